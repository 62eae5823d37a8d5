using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Addressing;

/// <summary>
/// A virtual IP address with its prefix length, as written in configuration ("192.0.2.100/24", "2001:db8::100/64").
/// </summary>
public sealed record VipAddress
{
    /// <summary>Creates a VIP; throws when the prefix length does not fit the address family.</summary>
    public VipAddress(IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException($"A VIP must be IPv4 or IPv6; got {address.AddressFamily}.", nameof(address));
        }

        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max)
        {
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, $"The prefix length of {address} must be 0 to {max}.");
        }

        Address = address;
        PrefixLength = prefixLength;
    }

    /// <summary>The address.</summary>
    public IPAddress Address { get; }

    /// <summary>The on-link prefix length (32 or 128 for a host address).</summary>
    public int PrefixLength { get; }

    /// <summary>True for IPv6.</summary>
    public bool IsIPv6 => Address.AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>Parses "ADDR/PREFIX" or a bare address (which gets /32 or /128).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out VipAddress? vip)
    {
        vip = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        int slash = text.IndexOf('/', StringComparison.Ordinal);
        var addrText = slash < 0 ? text.AsSpan().Trim() : text.AsSpan(0, slash).Trim();
        if (!IPAddress.TryParse(addrText, out var addr) || addr.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return false;
        }

        int max = addr.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int prefix = max;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > max))
        {
            return false;
        }

        vip = new VipAddress(addr, prefix);
        return true;
    }

    /// <summary>Parses "ADDR/PREFIX" or throws a <see cref="FormatException"/> naming the text.</summary>
    public static VipAddress Parse(string text) =>
        TryParse(text, out var vip) ? vip : throw new FormatException($"'{text}' is not a VIP (expected e.g. 192.0.2.100/24 or 2001:db8::100/64).");

    /// <summary>Formats as ADDR/PREFIX.</summary>
    public override string ToString() => $"{Address}/{PrefixLength}";
}
