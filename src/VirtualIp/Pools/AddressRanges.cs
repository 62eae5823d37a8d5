using System.Net;
using System.Net.Sockets;
using VirtualIp.Addressing;

namespace VirtualIp.Pools;

/// <summary>Parses pool ranges and converts addresses to and from 128-bit numbers.</summary>
internal static class AddressRanges
{
    /// <summary>Parses "CIDR" (IPv4 network and broadcast skipped) or "FIRST-LAST".</summary>
    public static (UInt128 First, UInt128 Last, bool IsV6) Parse(string text, string pool)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException($"Pool '{pool}': a range is empty.", nameof(text));
        }

        int dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
        {
            if (!IPAddress.TryParse(text.AsSpan(0, dash).Trim(), out var a) || !IPAddress.TryParse(text.AsSpan(dash + 1).Trim(), out var b) || a.AddressFamily != b.AddressFamily)
            {
                throw new ArgumentException($"Pool '{pool}': range '{text}' is not FIRST-LAST of one family.", nameof(text));
            }

            var (f, l) = (ToNumber(a), ToNumber(b));
            if (l < f)
            {
                throw new ArgumentException($"Pool '{pool}': range '{text}' ends before it starts.", nameof(text));
            }

            return (f, l, a.AddressFamily == AddressFamily.InterNetworkV6);
        }

        if (!VipAddress.TryParse(text, out var cidr))
        {
            throw new ArgumentException($"Pool '{pool}': range '{text}' is neither CIDR nor FIRST-LAST.", nameof(text));
        }

        int bits = cidr.IsIPv6 ? 128 : 32;
        var mask = cidr.PrefixLength == 0 ? UInt128.Zero : (UInt128.MaxValue << (128 - cidr.PrefixLength)) >> (128 - bits);
        var net = ToNumber(cidr.Address) & mask;
        var hostMask = ~mask & (bits == 32 ? (UInt128)uint.MaxValue : UInt128.MaxValue);
        var first = net;
        var last = net | hostMask;
        if (!cidr.IsIPv6 && cidr.PrefixLength <= 30)
        {
            first++; // skip the network and broadcast addresses
            last--;
        }

        return (first, last, cidr.IsIPv6);
    }

    /// <summary>The address as a number (IPv4 in the low 32 bits).</summary>
    public static UInt128 ToNumber(IPAddress a)
    {
        Span<byte> b = stackalloc byte[16];
        a.TryWriteBytes(b, out int n);
        UInt128 v = 0;
        for (int i = 0; i < n; i++)
        {
            v = (v << 8) | b[i];
        }

        return v;
    }

    /// <summary>The number as an address of the family.</summary>
    public static IPAddress ToAddress(UInt128 v, bool ipv6)
    {
        int n = ipv6 ? 16 : 4;
        Span<byte> b = stackalloc byte[16];
        for (int i = n - 1; i >= 0; i--)
        {
            b[i] = (byte)(v & 0xFF);
            v >>= 8;
        }

        return new IPAddress(b[..n]);
    }
}
