using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace VirtualIp.Frames;

/// <summary>Writes and parses IPv4 headers.</summary>
internal static class IPv4
{
    /// <summary>Length of an IPv4 header without options.</summary>
    public const int MinHeaderLength = 20;

    /// <summary>Writes a 20-byte IPv4 header with its checksum and returns 20.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="sourceAddress">Source address (4 bytes).</param>
    /// <param name="destinationAddress">Destination address (4 bytes).</param>
    /// <param name="protocol">The payload protocol (112 for VRRP).</param>
    /// <param name="payloadLength">The payload length; the total length is this plus 20.</param>
    /// <param name="ttl">Time to live.</param>
    /// <param name="typeOfService">DSCP and ECN byte.</param>
    /// <param name="identification">Identification field.</param>
    /// <param name="dontFragment">Set the DF flag.</param>
    /// <exception cref="ArgumentException">The destination is too small, an address is not 4 bytes, or the length is out of range.</exception>
    public static int WriteHeader(Span<byte> destination, ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress, byte protocol,
        int payloadLength, byte ttl = 64, byte typeOfService = 0, ushort identification = 0, bool dontFragment = false)
    {
        FrameWriter.RequireAddress(sourceAddress, 4, nameof(sourceAddress));
        FrameWriter.RequireAddress(destinationAddress, 4, nameof(destinationAddress));
        if ((uint)payloadLength > ushort.MaxValue - MinHeaderLength)
        {
            ThrowBadPayloadLength(payloadLength);
        }

        FrameWriter.EnsureSize(destination, MinHeaderLength, "An IPv4 header");
        var w = new FrameWriter(destination);
        w.WriteIPv4Header(sourceAddress, destinationAddress, protocol, payloadLength, ttl, typeOfService, identification, dontFragment);
        return w.Position;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadPayloadLength(int payloadLength) =>
        throw new ArgumentException($"An IPv4 payload is 0 to {ushort.MaxValue - MinHeaderLength} bytes; got {payloadLength}.", nameof(payloadLength));

    /// <summary>
    /// Parses and validates an IPv4 header: version, header length, checksum, total length (trailing Ethernet padding is cut off).
    /// Fragments are accepted here (see <see cref="IPv4Header.IsFragment"/>). Never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out IPv4Header header, out FrameRejectReason reason)
    {
        header = default;
        if (packet.Length < MinHeaderLength)
        {
            reason = FrameRejectReason.Truncated;
            return false;
        }

        if (packet[0] >> 4 != 4)
        {
            reason = FrameRejectReason.BadIPVersion;
            return false;
        }

        int ihl = (packet[0] & 0x0F) * 4;
        if (ihl < MinHeaderLength || ihl > packet.Length)
        {
            reason = FrameRejectReason.BadIPHeaderLength;
            return false;
        }

        int total = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (total < ihl || total > packet.Length)
        {
            reason = total > packet.Length ? FrameRejectReason.Truncated : FrameRejectReason.BadIPLength;
            return false;
        }

        if (!InternetChecksum.Verify(packet[..ihl]))
        {
            reason = FrameRejectReason.BadIPHeaderChecksum;
            return false;
        }

        header = new IPv4Header(packet[..ihl], packet[ihl..total]);
        reason = FrameRejectReason.None;
        return true;
    }

    /// <summary>Parses an Ethernet frame carrying IPv4 with the given protocol, not fragmented.</summary>
    internal static bool TryParseFrame(ReadOnlySpan<byte> frame, byte protocol, out EthernetHeader ethernet, out IPv4Header ip, out FrameRejectReason reason)
    {
        ip = default;
        if (!Ethernet.TryParse(frame, EtherType.IPv4, out ethernet, out reason) || !TryParse(ethernet.Payload, out ip, out reason))
        {
            return false;
        }

        if (ip.IsFragment)
        {
            reason = FrameRejectReason.Fragmented;
            return false;
        }

        if (ip.Protocol != protocol)
        {
            reason = FrameRejectReason.UnexpectedProtocol;
            return false;
        }

        return true;
    }
}

/// <summary>A parsed IPv4 header; the spans point into the received packet.</summary>
internal readonly ref struct IPv4Header
{
    private readonly ReadOnlySpan<byte> _header;

    internal IPv4Header(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        _header = header;
        Payload = payload;
    }

    /// <summary>The header length in bytes (20 to 60).</summary>
    public int HeaderLength => _header.Length;

    /// <summary>The DSCP/ECN byte.</summary>
    public byte TypeOfService => _header[1];

    /// <summary>The total length field.</summary>
    public int TotalLength => BinaryPrimitives.ReadUInt16BigEndian(_header[2..]);

    /// <summary>The identification field.</summary>
    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(_header[4..]);

    /// <summary>True when DF is set.</summary>
    public bool DontFragment => (_header[6] & 0x40) != 0;

    /// <summary>True when MF is set or the fragment offset is not 0.</summary>
    public bool IsFragment => (BinaryPrimitives.ReadUInt16BigEndian(_header[6..]) & 0x3FFF) != 0;

    /// <summary>Time to live.</summary>
    public byte Ttl => _header[8];

    /// <summary>The payload protocol.</summary>
    public byte Protocol => _header[9];

    /// <summary>Source address (4 bytes).</summary>
    public ReadOnlySpan<byte> SourceAddress => _header.Slice(12, 4);

    /// <summary>Destination address (4 bytes).</summary>
    public ReadOnlySpan<byte> DestinationAddress => _header.Slice(16, 4);

    /// <summary>The IP options, if any.</summary>
    public ReadOnlySpan<byte> Options => _header[IPv4.MinHeaderLength..];

    /// <summary>The payload, cut to the total length.</summary>
    public ReadOnlySpan<byte> Payload { get; }
}
