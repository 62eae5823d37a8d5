using System.Globalization;

namespace VirtualIp.Hosting;

/// <summary>Parses durations as people write them: "20ms", "1s", "1.5s", "2m", "1h", "00:00:01", or a bare number of seconds.</summary>
internal static class Durations
{
    /// <summary>Parses a duration; false when the text is not one.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        if (s.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
        }

        (string unit, double scale)[] units = [("ms", 0.001), ("us", 0.000001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (unit, scale) in units)
        {
            if (s.EndsWith(unit, StringComparison.OrdinalIgnoreCase) && !(unit == "s" && s.EndsWith("ms", StringComparison.OrdinalIgnoreCase)) && !(unit == "s" && s.EndsWith("us", StringComparison.OrdinalIgnoreCase)))
            {
                return TryNumber(s[..^unit.Length], scale, out value);
            }
        }

        return TryNumber(s, 1, out value);
    }

    /// <summary>Parses a duration or throws a <see cref="FormatException"/> naming the text.</summary>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var v) ? v : throw new FormatException($"'{text}' is not a duration (examples: 20ms, 1s, 2m, 00:00:05).");

    private static bool TryNumber(string s, double scale, out TimeSpan value)
    {
        value = default;
        if (!double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double n) || n < 0 || double.IsInfinity(n) || n * scale > TimeSpan.MaxValue.TotalSeconds)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)Math.Round(n * scale * TimeSpan.TicksPerSecond));
        return true;
    }
}
