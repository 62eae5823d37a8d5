using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Balancing;

/// <summary>An address prefix ("198.51.100.0/24"); host bits in the text are ignored. Matching allocates nothing.</summary>
internal readonly struct Cidr
{
    private readonly UInt128 _bits;
    private readonly UInt128 _mask;

    private Cidr(bool v6, UInt128 bits, int prefix)
    {
        IsIPv6 = v6;
        int width = v6 ? 128 : 32;
        _mask = prefix == 0 ? UInt128.Zero : (UInt128.MaxValue << (width - prefix)) & (v6 ? UInt128.MaxValue : uint.MaxValue);
        _bits = bits & _mask;
        Prefix = prefix;
    }

    public bool IsIPv6 { get; }

    public int Prefix { get; }

    public static bool TryParse([NotNullWhen(true)] string? text, out Cidr cidr)
    {
        cidr = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        int slash = span.IndexOf('/');
        var addrText = slash < 0 ? span : span[..slash];
        if (!IPAddress.TryParse(addrText, out var addr) || addr.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return false;
        }

        bool v6 = addr.AddressFamily == AddressFamily.InterNetworkV6;
        int width = v6 ? 128 : 32;
        int prefix = width;
        if (slash >= 0 && (!int.TryParse(span[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > width))
        {
            return false;
        }

        cidr = new Cidr(v6, ToBits(addr), prefix);
        return true;
    }

    public bool Contains(IPAddress address) =>
        Contains(ToBits(address), address.AddressFamily == AddressFamily.InterNetworkV6);

    /// <summary>Matches an address already converted by <see cref="ToBits"/>.</summary>
    public bool Contains(UInt128 bits, bool isIPv6) => isIPv6 == IsIPv6 && (bits & _mask) == _bits;

    /// <summary>The address as a big-endian number (IPv4 in the low 32 bits).</summary>
    public static UInt128 ToBits(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out int n);
        return n == 4
            ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b)
            : System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(b);
    }
}

/// <summary>Source allow and deny lists (deny wins; an empty allow list allows all). IPv4-mapped IPv6 sources match IPv4 entries.</summary>
internal sealed class SourceAcl
{
    private readonly Cidr[] _allow;
    private readonly Cidr[] _deny;

    public SourceAcl(IEnumerable<string> allow, IEnumerable<string> deny)
    {
        _allow = [.. allow.Select(Parse)];
        _deny = [.. deny.Select(Parse)];
    }

    public bool IsEmpty => _allow.Length == 0 && _deny.Length == 0;

    public bool IsAllowed(IPAddress address)
    {
        if (IsEmpty)
        {
            return true;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var bits = Cidr.ToBits(address);
        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        foreach (var c in _deny)
        {
            if (c.Contains(bits, v6))
            {
                return false;
            }
        }

        if (_allow.Length == 0)
        {
            return true;
        }

        foreach (var c in _allow)
        {
            if (c.Contains(bits, v6))
            {
                return true;
            }
        }

        return false;
    }

    private static Cidr Parse(string text) =>
        Cidr.TryParse(text, out var c) ? c : throw new FormatException($"'{text}' is not a CIDR (e.g. 198.51.100.0/24).");
}
