using System.Buffers.Binary;

namespace VirtualIp.Vrrp.Auth;

/// <summary>
/// The 28-byte authentication trailer keepalived 2.4.3 appends after the VRRP message (<c>vrrp_auth_ext_t</c>):
/// ext type (1 = HMAC-SHA256/128), key id, 2 reserved zero bytes, a 64-bit sequence split into UTC seconds (32),
/// a binary fraction of a second (16) and a counter (16), all big-endian, then the 16-byte truncated HMAC.
/// Reading never throws.
/// </summary>
internal readonly ref struct VrrpAuthTrailer
{
    /// <summary>The trailer's size on the wire.</summary>
    public const int Length = 28;

    /// <summary>Bytes before the HMAC field (covered by the HMAC as sent).</summary>
    public const int HmacOffset = 12;

    /// <summary>The truncated HMAC length.</summary>
    public const int HmacLength = 16;

    /// <summary>Ext type 1: HMAC-SHA256 truncated to 128 bits.</summary>
    public const byte TypeHmacSha256 = 1;

    private VrrpAuthTrailer(byte extType, byte keyId, ushort reserved, ulong sequence, ReadOnlySpan<byte> hmac)
    {
        ExtType = extType;
        KeyId = keyId;
        Reserved = reserved;
        Sequence = sequence;
        Hmac = hmac;
    }

    /// <summary>The scheme (1 = HMAC-SHA256/128).</summary>
    public byte ExtType { get; }

    /// <summary>The key the sender signed with.</summary>
    public byte KeyId { get; }

    /// <summary>Must be zero.</summary>
    public ushort Reserved { get; }

    /// <summary>The 64-bit sequence: seconds &lt;&lt; 32 | fraction &lt;&lt; 16 | counter.</summary>
    public ulong Sequence { get; }

    /// <summary>The UTC seconds part of <see cref="Sequence"/>.</summary>
    public uint Seconds => (uint)(Sequence >> 32);

    /// <summary>The truncated HMAC (points into the packet).</summary>
    public ReadOnlySpan<byte> Hmac { get; }

    /// <summary>Decodes a trailer from exactly <see cref="Length"/> bytes. False when the length is wrong.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out VrrpAuthTrailer trailer)
    {
        if (source.Length != Length)
        {
            trailer = default;
            return false;
        }

        ulong sequence = ((ulong)BinaryPrimitives.ReadUInt32BigEndian(source[4..]) << 32) |
                         ((ulong)BinaryPrimitives.ReadUInt16BigEndian(source[8..]) << 16) |
                         BinaryPrimitives.ReadUInt16BigEndian(source[10..]);
        trailer = new VrrpAuthTrailer(source[0], source[1], BinaryPrimitives.ReadUInt16BigEndian(source[2..]), sequence,
            source.Slice(HmacOffset, HmacLength));
        return true;
    }

    /// <summary>Writes the trailer's fields with a zero HMAC (the signer fills it) into the first <see cref="Length"/> bytes.</summary>
    public static void WriteUnsigned(Span<byte> destination, byte keyId, ulong sequence)
    {
        var d = destination[..Length];
        d[0] = TypeHmacSha256;
        d[1] = keyId;
        d[2] = 0;
        d[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], (uint)(sequence >> 32));
        BinaryPrimitives.WriteUInt16BigEndian(d[8..], (ushort)(sequence >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(d[10..], (ushort)sequence);
        d[HmacOffset..].Clear();
    }

    /// <summary>
    /// Finds a trailer after a VRRP message by length, as keepalived does: the payload is exactly the message its header
    /// describes plus <see cref="Length"/> bytes. Otherwise <paramref name="message"/> is the whole payload and the
    /// trailer is empty. Never throws.
    /// </summary>
    public static bool TrySplit(ReadOnlySpan<byte> payload, bool isIPv6, out ReadOnlySpan<byte> message, out ReadOnlySpan<byte> trailer)
    {
        message = payload;
        trailer = default;
        if (payload.Length < VrrpCodec.HeaderLength)
        {
            return false;
        }

        bool v2 = payload[0] >> 4 == 2;
        int expected = VrrpCodec.HeaderLength + (payload[3] * (isIPv6 ? 16 : 4)) + (v2 ? VrrpCodec.V2AuthDataLength : 0);
        if (payload.Length != expected + Length)
        {
            return false;
        }

        message = payload[..expected];
        trailer = payload[expected..];
        return true;
    }
}
