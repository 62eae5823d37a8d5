using System.Globalization;

namespace VirtualIp.Failover.Control;

/// <summary>Durations on the control command line and socket: "500ms", "30s", "5m", "1h" or a bare number of seconds.</summary>
internal static class DurationText
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        (string Unit, double Seconds) unit = s.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? ("ms", 0.001)
            : s.EndsWith('s') ? ("s", 1)
            : s.EndsWith('m') ? ("m", 60)
            : s.EndsWith('h') ? ("h", 3600)
            : ("", 1);
        if (!double.TryParse(s[..^unit.Unit.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out double n)
            || !double.IsFinite(n) || n < 0 || n * unit.Seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(n * unit.Seconds);
        return true;
    }
}
