using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VirtualIp.Linux.Netlink;

/// <summary>
/// Writes one netlink message (nlmsghdr, family header, rtattrs) into a caller-supplied span, in host
/// (little-endian) byte order with 4-byte attribute padding. Allocates nothing.
/// </summary>
internal ref struct NetlinkWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    /// <summary>Starts a message: writes the nlmsghdr (length patched by <see cref="Complete"/>).</summary>
    public NetlinkWriter(Span<byte> buffer, ushort type, ushort flags, uint sequence, uint portId = 0)
    {
        if (buffer.Length < Nl.HeaderLength)
        {
            throw new ArgumentException($"A netlink message needs at least {Nl.HeaderLength} bytes; got {buffer.Length}.", nameof(buffer));
        }

        _buffer = buffer;
        buffer[..Nl.HeaderLength].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(buffer[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[12..], portId);
        _length = Nl.HeaderLength;
    }

    /// <summary>Bytes written so far (always 4-aligned).</summary>
    public readonly int Length => _length;

    /// <summary>Writes an ifaddrmsg.</summary>
    public void WriteIfAddrMsg(byte family, byte prefixLength, byte flags, byte scope, int interfaceIndex)
    {
        var s = Reserve(Nl.IfAddrMsgLength);
        s[0] = family;
        s[1] = prefixLength;
        s[2] = flags;
        s[3] = scope;
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], interfaceIndex);
    }

    /// <summary>Writes an ifinfomsg.</summary>
    public void WriteIfInfoMsg(byte family, int interfaceIndex, uint flags = 0, uint change = 0)
    {
        var s = Reserve(Nl.IfInfoMsgLength);
        s[0] = family;
        s[1] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], interfaceIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(s[12..], change);
    }

    /// <summary>Writes an attribute with a raw payload.</summary>
    public void WriteAttribute(ushort type, scoped ReadOnlySpan<byte> value)
    {
        var s = BeginAttribute(type, value.Length);
        value.CopyTo(s);
    }

    /// <summary>Writes a u8 attribute.</summary>
    public void WriteAttributeU8(ushort type, byte value) => BeginAttribute(type, 1)[0] = value;

    /// <summary>Writes a u32 attribute (host order).</summary>
    public void WriteAttributeU32(ushort type, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(BeginAttribute(type, 4), value);

    /// <summary>Writes a NUL-terminated UTF-8 string attribute.</summary>
    public void WriteAttributeString(ushort type, ReadOnlySpan<char> value)
    {
        int bytes = Encoding.UTF8.GetByteCount(value);
        var s = BeginAttribute(type, bytes + 1);
        Encoding.UTF8.GetBytes(value, s);
        s[bytes] = 0;
    }

    /// <summary>Writes an address attribute (4 or 16 bytes, network order).</summary>
    public void WriteAttributeAddress(ushort type, IPAddress address)
    {
        int len = address.AddressFamily == AddressFamily.InterNetwork ? 4 : 16;
        var s = BeginAttribute(type, len);
        if (!address.TryWriteBytes(s, out _))
        {
            throw new ArgumentException($"Cannot write address {address}.", nameof(address));
        }
    }

    /// <summary>
    /// Opens a nested attribute (type | NLA_F_NESTED): the attributes written until <see cref="EndNested"/> are its
    /// payload. Returns the offset to pass to <see cref="EndNested"/>.
    /// </summary>
    public int BeginNested(ushort type)
    {
        int start = _length;
        var s = Reserve(Nl.AttrHeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(s, Nl.AttrHeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], (ushort)(type | Nl.NLA_F_NESTED));
        return start;
    }

    /// <summary>Closes the nested attribute opened at <paramref name="start"/>: patches its length to cover what was written since.</summary>
    public readonly void EndNested(int start)
    {
        if ((uint)start > (uint)(_length - Nl.AttrHeaderLength) || (_buffer[start + 3] & 0x80) == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, "Not the offset of an open nested attribute.");
        }

        BinaryPrimitives.WriteUInt16LittleEndian(_buffer[start..], (ushort)(_length - start));
    }

    /// <summary>Patches the total length into the header and returns the message bytes.</summary>
    public readonly ReadOnlySpan<byte> Complete()
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)_length);
        return _buffer[.._length];
    }

    private Span<byte> BeginAttribute(ushort type, int payloadLength)
    {
        int total = Nl.AttrHeaderLength + payloadLength;
        var s = Reserve(Nl.Align(total));
        BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)total);
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], type);
        s[total..].Clear(); // padding
        return s.Slice(Nl.AttrHeaderLength, payloadLength);
    }

    private Span<byte> Reserve(int length)
    {
        if (_length + length > _buffer.Length || _length + length > ushort.MaxValue)
        {
            ThrowTooSmall(_length + length, _buffer.Length);
        }

        var s = _buffer.Slice(_length, length);
        _length += length;
        return s;
    }

    private static void ThrowTooSmall(int needed, int available) =>
        throw new InvalidOperationException($"The netlink message needs {needed} bytes but the buffer holds {available}.");
}
