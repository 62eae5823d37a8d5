using System.Globalization;
using System.Net;
using System.Net.Sockets;
using VirtualIp.Keepalived.Parsing;

namespace VirtualIp.Keepalived.Mapping;

/// <summary>keepalived's value forms, read without throwing; failures are reported on the directive.</summary>
internal static class Values
{
    public static bool TryInt(ConfigNode node, int index, int min, int max, Diagnostics d, out int value)
    {
        value = 0;
        string? text = index < node.Args.Count ? node.Args[index] : null;
        if (text is null)
        {
            d.Unmap(node, "a value is missing");
            return false;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) || value < min || value > max)
        {
            d.Unmap(node, $"'{text}' is not a whole number in {min}..{max}");
            return false;
        }

        return true;
    }

    /// <summary>Seconds, possibly fractional (keepalived's <c>advert_int 0.1</c>, <c>interval 2</c>), in microsecond steps.</summary>
    public static bool TrySeconds(ConfigNode node, int index, double max, Diagnostics d, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        string? text = index < node.Args.Count ? node.Args[index] : null;
        if (text is null)
        {
            d.Unmap(node, "a value is missing");
            return false;
        }

        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) || seconds < 0 || seconds > max)
        {
            d.Unmap(node, $"'{text}' is not a number of seconds in 0..{max.ToString(CultureInfo.InvariantCulture)}");
            return false;
        }

        value = TimeSpan.FromMicroseconds(Math.Round(seconds * 1_000_000));
        return true;
    }

    /// <summary>A duration as the configuration reader reads it: <c>2s</c>, <c>100ms</c>, <c>1500us</c>.</summary>
    public static string Duration(TimeSpan t) =>
        t.Ticks % TimeSpan.TicksPerSecond == 0 ? $"{t.Ticks / TimeSpan.TicksPerSecond}s"
        : t.Ticks % TimeSpan.TicksPerMillisecond == 0 ? $"{t.Ticks / TimeSpan.TicksPerMillisecond}ms"
        : $"{t.Ticks / TimeSpan.TicksPerMicrosecond}us";

    /// <summary><c>ADDRESS[/PREFIX]</c> as keepalived reads it (no prefix: /32 or /128), normalised to <c>ADDRESS/PREFIX</c>.</summary>
    public static bool TryPrefix(string text, out string normalized, out AddressFamily family)
    {
        normalized = "";
        family = AddressFamily.Unspecified;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var address) || (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0))
        {
            return false;
        }

        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int prefix = max;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > max))
        {
            return false;
        }

        family = address.AddressFamily;
        normalized = $"{address}/{prefix.ToString(CultureInfo.InvariantCulture)}";
        return true;
    }

    /// <summary>A plain address (unicast peers).</summary>
    public static bool TryAddress(string text, out string normalized, out AddressFamily family)
    {
        normalized = "";
        family = AddressFamily.Unspecified;
        if (!IPAddress.TryParse(text, out var address) || text.Contains('/', StringComparison.Ordinal))
        {
            return false;
        }

        family = address.AddressFamily;
        normalized = address.ToString();
        return true;
    }
}
