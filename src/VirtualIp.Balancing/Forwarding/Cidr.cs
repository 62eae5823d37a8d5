using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Balancing;

/// <summary>
/// Parses address prefixes ("198.51.100.0/24", "2001:db8::/32"; a bare address is a /32 or /128) into
/// <see cref="IPNetwork"/>. A prefix with host bits set ("198.51.100.7/24") is refused: in an ACL it is almost always
/// a typo, and silently widening it to the network would allow more than was written.
/// </summary>
internal static class Cidr
{
    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why, naming the value.</summary>
    public static bool TryParse(string? text, out IPNetwork network, [NotNullWhen(false)] out string? error)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "an entry is empty (expected a CIDR such as 198.51.100.0/24 or 2001:db8::/32).";
            return false;
        }

        var span = text.AsSpan().Trim();
        int slash = span.IndexOf('/');
        if (slash < 0)
        {
            if (IPAddress.TryParse(span, out var host) && host.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            {
                network = new IPNetwork(host, host.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
                error = null;
                return true;
            }
        }
        else if (IPAddress.TryParse(span[..slash], out var address)
            && int.TryParse(span[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int prefix)
            && prefix <= (address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
        {
            var masked = Masked(address, prefix);
            if (!masked.Equals(address))
            {
                // IPNetwork.TryParse would mask the host bits away; refuse instead (safer for ACLs).
                network = default;
                error = $"'{text}' has host bits set after the /{prefix} prefix (did you mean {masked}/{prefix}?).";
                return false;
            }

            if (IPNetwork.TryParse(span, out network))
            {
                error = null;
                return true;
            }
        }

        error = $"'{text}' is not a CIDR (e.g. 198.51.100.0/24, 2001:db8::/32).";
        return false;
    }

    /// <summary>Parses <paramref name="text"/> or throws a <see cref="FormatException"/> naming it.</summary>
    public static IPNetwork Parse(string text) =>
        TryParse(text, out var network, out string? error) ? network : throw new FormatException(error);

    private static IPAddress Masked(IPAddress address, int prefix)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out int n);
        for (int i = 0; i < n; i++)
        {
            int keep = Math.Clamp(prefix - (i * 8), 0, 8);
            b[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPAddress(b[..n]);
    }
}
