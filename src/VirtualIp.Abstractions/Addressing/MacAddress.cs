using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace VirtualIp.Addressing;

/// <summary>
/// A 48-bit IEEE 802 MAC address held in a value type, so frame builders can use it without allocating.
/// </summary>
public readonly struct MacAddress : IEquatable<MacAddress>, ISpanFormattable
{
    /// <summary>The length of a MAC address in bytes.</summary>
    public const int Length = 6;

    private readonly ulong _value; // low 48 bits, first octet in bits 40..47

    private MacAddress(ulong value) => _value = value & 0xFFFF_FFFF_FFFFUL;

    /// <summary>The broadcast address ff:ff:ff:ff:ff:ff.</summary>
    public static MacAddress Broadcast { get; } = new(0xFFFF_FFFF_FFFFUL);

    /// <summary>The all-zero address 00:00:00:00:00:00.</summary>
    public static MacAddress Zero => default;

    /// <summary>Creates an address from six bytes in wire order.</summary>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not six bytes long.</exception>
    public MacAddress(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A MAC address is 6 bytes; got {bytes.Length}.", nameof(bytes));
        }

        _value = Read(bytes);
    }

    /// <summary>Creates an address from the low 48 bits of <paramref name="value"/> (first octet most significant).</summary>
    public static MacAddress FromUInt64(ulong value) => new(value);

    /// <summary>Reads six bytes in wire order; the span must hold at least six bytes.</summary>
    public static MacAddress Read(ReadOnlySpan<byte> source, out bool ok)
    {
        ok = source.Length >= Length;
        return ok ? new MacAddress(Read(source)) : default;
    }

    /// <summary>
    /// The VRRP virtual router MAC address (RFC 9568 section 7.3): 00-00-5E-00-01-{VRID} for IPv4,
    /// 00-00-5E-00-02-{VRID} for IPv6.
    /// </summary>
    /// <param name="vrid">The virtual router identifier, 1 to 255.</param>
    /// <param name="ipv6">True for the IPv6 virtual MAC.</param>
    public static MacAddress ForVirtualRouter(byte vrid, bool ipv6 = false)
    {
        if (vrid == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(vrid), vrid, "A VRID is 1 to 255.");
        }

        return new MacAddress(0x00005E000000UL | ((ipv6 ? 2UL : 1UL) << 8) | vrid);
    }

    /// <summary>The IPv6 multicast MAC 33:33:xx:xx:xx:xx for the low 32 bits of a multicast group.</summary>
    public static MacAddress ForIPv6Multicast(ReadOnlySpan<byte> group16)
    {
        if (group16.Length != 16)
        {
            throw new ArgumentException($"An IPv6 address is 16 bytes; got {group16.Length}.", nameof(group16));
        }

        return new MacAddress(0x3333_0000_0000UL | BinaryPrimitives.ReadUInt32BigEndian(group16[12..]));
    }

    /// <summary>True when the group bit (least significant bit of the first octet) is set.</summary>
    public bool IsMulticast => ((_value >> 40) & 1) != 0;

    /// <summary>True for ff:ff:ff:ff:ff:ff.</summary>
    public bool IsBroadcast => _value == 0xFFFF_FFFF_FFFFUL;

    /// <summary>True for 00:00:00:00:00:00.</summary>
    public bool IsZero => _value == 0;

    /// <summary>The address as the low 48 bits of an integer.</summary>
    public ulong ToUInt64() => _value;

    /// <summary>Writes the six bytes in wire order.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than six bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            throw new ArgumentException($"Writing a MAC address needs 6 bytes; got {destination.Length}.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(_value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)_value);
    }

    /// <summary>Parses "aa:bb:cc:dd:ee:ff", "aa-bb-cc-dd-ee-ff" or "aabbccddeeff".</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out MacAddress address) => TryParse(text.AsSpan(), out address);

    /// <summary>Parses "aa:bb:cc:dd:ee:ff", "aa-bb-cc-dd-ee-ff" or "aabbccddeeff".</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out MacAddress address)
    {
        address = default;
        Span<byte> bytes = stackalloc byte[Length];
        int pos = 0;
        for (int i = 0; i < Length; i++)
        {
            if (i > 0 && pos < text.Length && (text[pos] == ':' || text[pos] == '-'))
            {
                pos++;
            }

            if (pos + 2 > text.Length || !byte.TryParse(text.Slice(pos, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return false;
            }

            pos += 2;
        }

        if (pos != text.Length)
        {
            return false;
        }

        address = new MacAddress(bytes);
        return true;
    }

    /// <summary>Parses a MAC address or throws a <see cref="FormatException"/> naming the text.</summary>
    public static MacAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var a) ? a : throw new FormatException($"'{text}' is not a MAC address (expected aa:bb:cc:dd:ee:ff).");
    }

    private static ulong Read(ReadOnlySpan<byte> b) =>
        ((ulong)BinaryPrimitives.ReadUInt16BigEndian(b) << 32) | BinaryPrimitives.ReadUInt32BigEndian(b[2..]);

    /// <inheritdoc />
    public bool Equals(MacAddress other) => _value == other._value;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is MacAddress m && Equals(m);

    /// <inheritdoc />
    public override int GetHashCode() => _value.GetHashCode();

    /// <summary>Equality.</summary>
    public static bool operator ==(MacAddress left, MacAddress right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(MacAddress left, MacAddress right) => !left.Equals(right);

    /// <summary>Formats as lower-case aa:bb:cc:dd:ee:ff.</summary>
    public override string ToString() => string.Create(17, _value, static (span, v) => Format(v, span));

    /// <inheritdoc />
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc />
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (destination.Length < 17)
        {
            charsWritten = 0;
            return false;
        }

        Format(_value, destination);
        charsWritten = 17;
        return true;
    }

    private static void Format(ulong v, Span<char> span)
    {
        const string hex = "0123456789abcdef";
        for (int i = 0; i < Length; i++)
        {
            int b = (int)(v >> (40 - (8 * i))) & 0xFF;
            int o = i * 3;
            span[o] = hex[b >> 4];
            span[o + 1] = hex[b & 0xF];
            if (i < Length - 1)
            {
                span[o + 2] = ':';
            }
        }
    }
}
