using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace VirtualIp.Frames;

/// <summary>Writes and parses IPv6 fixed headers.</summary>
internal static class IPv6
{
    /// <summary>Length of the IPv6 fixed header.</summary>
    public const int HeaderLength = 40;

    /// <summary>Writes a 40-byte IPv6 header and returns 40.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="sourceAddress">Source address (16 bytes).</param>
    /// <param name="destinationAddress">Destination address (16 bytes).</param>
    /// <param name="nextHeader">The payload protocol (58 ICMPv6, 112 VRRP).</param>
    /// <param name="payloadLength">The payload length.</param>
    /// <param name="hopLimit">Hop limit.</param>
    /// <param name="trafficClass">Traffic class.</param>
    /// <param name="flowLabel">Flow label (20 bits).</param>
    /// <exception cref="ArgumentException">The destination is too small, an address is not 16 bytes, or a value is out of range.</exception>
    public static int WriteHeader(Span<byte> destination, ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress, byte nextHeader,
        int payloadLength, byte hopLimit = 64, byte trafficClass = 0, uint flowLabel = 0)
    {
        FrameWriter.RequireAddress(sourceAddress, 16, nameof(sourceAddress));
        FrameWriter.RequireAddress(destinationAddress, 16, nameof(destinationAddress));
        ValidateLengthAndFlow(payloadLength, flowLabel);
        FrameWriter.EnsureSize(destination, HeaderLength, "An IPv6 header");
        var w = new FrameWriter(destination);
        w.WriteIPv6Header(sourceAddress, destinationAddress, nextHeader, payloadLength, hopLimit, trafficClass, flowLabel);
        return w.Position;
    }

    internal static void ValidateLengthAndFlow(int payloadLength, uint flowLabel)
    {
        if ((uint)payloadLength > ushort.MaxValue || flowLabel > 0xFFFFF)
        {
            Throw(payloadLength, flowLabel);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(int payloadLength, uint flowLabel)
    {
        if ((uint)payloadLength > ushort.MaxValue)
        {
            throw new ArgumentException($"An IPv6 payload is 0 to 65535 bytes; got {payloadLength}.", nameof(payloadLength));
        }

        throw new ArgumentException($"A flow label is 20 bits; got 0x{flowLabel:x}.", nameof(flowLabel));
    }

    /// <summary>Parses an IPv6 fixed header; the payload is cut to the payload length (Ethernet padding removed). Never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out IPv6Header header, out FrameRejectReason reason)
    {
        header = default;
        if (packet.Length < HeaderLength)
        {
            reason = FrameRejectReason.Truncated;
            return false;
        }

        if (packet[0] >> 4 != 6)
        {
            reason = FrameRejectReason.BadIPVersion;
            return false;
        }

        int plen = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        if (HeaderLength + plen > packet.Length)
        {
            reason = FrameRejectReason.Truncated;
            return false;
        }

        header = new IPv6Header(packet[..HeaderLength], packet.Slice(HeaderLength, plen));
        reason = FrameRejectReason.None;
        return true;
    }

    /// <summary>Parses an Ethernet frame carrying IPv6 whose next header is <paramref name="nextHeader"/> (no extension headers).</summary>
    internal static bool TryParseFrame(ReadOnlySpan<byte> frame, byte nextHeader, out EthernetHeader ethernet, out IPv6Header ip, out FrameRejectReason reason)
    {
        ip = default;
        if (!Ethernet.TryParse(frame, EtherType.IPv6, out ethernet, out reason) || !TryParse(ethernet.Payload, out ip, out reason))
        {
            return false;
        }

        if (ip.NextHeader != nextHeader)
        {
            reason = FrameRejectReason.UnexpectedProtocol;
            return false;
        }

        return true;
    }
}

/// <summary>A parsed IPv6 fixed header; the spans point into the received packet.</summary>
internal readonly ref struct IPv6Header
{
    private readonly ReadOnlySpan<byte> _header;

    internal IPv6Header(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        _header = header;
        Payload = payload;
    }

    /// <summary>Traffic class.</summary>
    public byte TrafficClass => (byte)(BinaryPrimitives.ReadUInt32BigEndian(_header) >> 20);

    /// <summary>Flow label (20 bits).</summary>
    public uint FlowLabel => BinaryPrimitives.ReadUInt32BigEndian(_header) & 0xFFFFF;

    /// <summary>The payload length field.</summary>
    public int PayloadLength => BinaryPrimitives.ReadUInt16BigEndian(_header[4..]);

    /// <summary>Next header (the payload protocol when there are no extension headers).</summary>
    public byte NextHeader => _header[6];

    /// <summary>Hop limit.</summary>
    public byte HopLimit => _header[7];

    /// <summary>Source address (16 bytes).</summary>
    public ReadOnlySpan<byte> SourceAddress => _header.Slice(8, 16);

    /// <summary>Destination address (16 bytes).</summary>
    public ReadOnlySpan<byte> DestinationAddress => _header.Slice(24, 16);

    /// <summary>The payload, cut to the payload length.</summary>
    public ReadOnlySpan<byte> Payload { get; }
}
