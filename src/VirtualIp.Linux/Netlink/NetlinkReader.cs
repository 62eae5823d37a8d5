using System.Buffers.Binary;

namespace VirtualIp.Linux.Netlink;

/// <summary>One netlink message inside a received datagram.</summary>
internal readonly ref struct NetlinkMessage
{
    public NetlinkMessage(ushort type, ushort flags, uint sequence, uint portId, ReadOnlySpan<byte> payload)
    {
        Type = type;
        Flags = flags;
        Sequence = sequence;
        PortId = portId;
        Payload = payload;
    }

    /// <summary>nlmsg_type.</summary>
    public ushort Type { get; }

    /// <summary>nlmsg_flags.</summary>
    public ushort Flags { get; }

    /// <summary>nlmsg_seq.</summary>
    public uint Sequence { get; }

    /// <summary>nlmsg_pid.</summary>
    public uint PortId { get; }

    /// <summary>The bytes after the 16-byte header.</summary>
    public ReadOnlySpan<byte> Payload { get; }
}

/// <summary>Why a netlink datagram could not be read.</summary>
internal enum NetlinkReadError
{
    /// <summary>No error.</summary>
    None,
    /// <summary>Fewer than 16 bytes remain but more than zero.</summary>
    TruncatedHeader,
    /// <summary>nlmsg_len is smaller than the header or larger than what remains.</summary>
    BadLength,
}

/// <summary>
/// Walks the netlink messages of one datagram. Never throws on malformed input: <see cref="TryRead"/> returns
/// false and <see cref="Error"/> says why.
/// </summary>
internal ref struct NetlinkReader
{
    private ReadOnlySpan<byte> _rest;

    public NetlinkReader(ReadOnlySpan<byte> datagram)
    {
        _rest = datagram;
        Error = NetlinkReadError.None;
    }

    /// <summary>Set when <see cref="TryRead"/> stopped because of malformed input.</summary>
    public NetlinkReadError Error { get; private set; }

    /// <summary>Reads the next message; false at the end or on malformed input.</summary>
    public bool TryRead(out NetlinkMessage message)
    {
        message = default;
        if (_rest.IsEmpty)
        {
            return false;
        }

        if (_rest.Length < Nl.HeaderLength)
        {
            Error = NetlinkReadError.TruncatedHeader;
            _rest = default;
            return false;
        }

        uint len = BinaryPrimitives.ReadUInt32LittleEndian(_rest);
        if (len < Nl.HeaderLength || len > (uint)_rest.Length)
        {
            Error = NetlinkReadError.BadLength;
            _rest = default;
            return false;
        }

        message = new NetlinkMessage(
            BinaryPrimitives.ReadUInt16LittleEndian(_rest[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(_rest[6..]),
            BinaryPrimitives.ReadUInt32LittleEndian(_rest[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(_rest[12..]),
            _rest[Nl.HeaderLength..(int)len]);
        int advance = Math.Min(Nl.Align((int)len), _rest.Length);
        _rest = _rest[advance..];
        return true;
    }
}

/// <summary>Walks rtattr/nlattr TLVs. Stops (returns false) at the end or at the first malformed attribute.</summary>
internal ref struct NetlinkAttributeReader
{
    private ReadOnlySpan<byte> _rest;

    public NetlinkAttributeReader(ReadOnlySpan<byte> attributes) => _rest = attributes;

    /// <summary>True when the walk stopped on a malformed attribute rather than at the end.</summary>
    public bool Malformed { get; private set; }

    /// <summary>Reads the next attribute; the type has the NLA_F_NESTED/NET_BYTEORDER bits masked off.</summary>
    public bool TryRead(out ushort type, out ReadOnlySpan<byte> value)
    {
        type = 0;
        value = default;
        if (_rest.Length < Nl.AttrHeaderLength)
        {
            Malformed = !_rest.IsEmpty;
            _rest = default;
            return false;
        }

        ushort len = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
        if (len < Nl.AttrHeaderLength || len > _rest.Length)
        {
            Malformed = true;
            _rest = default;
            return false;
        }

        type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]) & 0x3FFF);
        value = _rest[Nl.AttrHeaderLength..len];
        _rest = _rest[Math.Min(Nl.Align(len), _rest.Length)..];
        return true;
    }
}

/// <summary>The parsed body of an NLMSG_ERROR message.</summary>
internal readonly ref struct NetlinkError
{
    public NetlinkError(int error, uint sequence, ReadOnlySpan<byte> extAckMessage, int extAckOffset)
    {
        Error = error;
        Sequence = sequence;
        ExtAckMessage = extAckMessage;
        ExtAckOffset = extAckOffset;
    }

    /// <summary>0 for an ACK, otherwise a negative errno.</summary>
    public int Error { get; }

    /// <summary>The sequence number of the request this answers.</summary>
    public uint Sequence { get; }

    /// <summary>The kernel's extended-ack text (UTF-8, without the NUL), or empty.</summary>
    public ReadOnlySpan<byte> ExtAckMessage { get; }

    /// <summary>The offset of the offending attribute in the request, or -1.</summary>
    public int ExtAckOffset { get; }

    /// <summary>Parses the payload of an NLMSG_ERROR message (with or without NETLINK_CAP_ACK).</summary>
    public static bool TryParse(in NetlinkMessage message, out NetlinkError error)
    {
        error = default;
        var p = message.Payload;
        if (p.Length < 4 + Nl.HeaderLength)
        {
            return false;
        }

        int code = BinaryPrimitives.ReadInt32LittleEndian(p);
        uint origLen = BinaryPrimitives.ReadUInt32LittleEndian(p[4..]);
        uint seq = BinaryPrimitives.ReadUInt32LittleEndian(p[12..]);
        ReadOnlySpan<byte> text = default;
        int offset = -1;
        if ((message.Flags & Nl.NLM_F_ACK_TLVS) != 0)
        {
            // Without NLM_F_CAPPED the whole request is echoed before the TLVs.
            // In 64 bits: a hostile nlmsg_len near 2^32 must not wrap into a negative start.
            long echoed = (message.Flags & Nl.NLM_F_CAPPED) != 0 || code == 0 ? Nl.HeaderLength : ((long)origLen + 3) & ~3L;
            long start = 4 + echoed;
            if (start <= p.Length)
            {
                var attrs = new NetlinkAttributeReader(p[(int)start..]);
                while (attrs.TryRead(out ushort type, out var value))
                {
                    if (type == Nl.NLMSGERR_ATTR_MSG)
                    {
                        int nul = value.IndexOf((byte)0);
                        text = nul >= 0 ? value[..nul] : value;
                    }
                    else if (type == Nl.NLMSGERR_ATTR_OFFS && value.Length >= 4)
                    {
                        offset = (int)BinaryPrimitives.ReadUInt32LittleEndian(value);
                    }
                }
            }
        }

        error = new NetlinkError(code, seq, text, offset);
        return true;
    }
}
