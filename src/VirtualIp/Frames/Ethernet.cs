using System.Buffers.Binary;
using VirtualIp.Addressing;

namespace VirtualIp.Frames;

/// <summary>Writes and parses Ethernet II headers, optionally with one IEEE 802.1Q tag.</summary>
internal static class Ethernet
{
    /// <summary>Length of an untagged Ethernet II header.</summary>
    public const int HeaderLength = 14;

    /// <summary>Extra length of an 802.1Q tag.</summary>
    public const int VlanTagLength = 4;

    /// <summary>The header length with or without a tag.</summary>
    public static int GetHeaderLength(VlanTag? vlan) => vlan.HasValue ? HeaderLength + VlanTagLength : HeaderLength;

    /// <summary>The IPv4 multicast MAC 01:00:5e:xx:xx:xx for a group (low 23 bits of the address).</summary>
    /// <exception cref="ArgumentException"><paramref name="group"/> is not four bytes.</exception>
    public static MacAddress IPv4MulticastMac(ReadOnlySpan<byte> group)
    {
        FrameWriter.RequireAddress(group, 4, nameof(group));
        return MacAddress.FromUInt64(0x0100_5E00_0000UL | (BinaryPrimitives.ReadUInt32BigEndian(group) & 0x7F_FFFFu));
    }

    /// <summary>Writes an Ethernet header and returns its length (14, or 18 with a tag).</summary>
    /// <exception cref="ArgumentException">The destination is too small (the message names the size).</exception>
    public static int WriteHeader(Span<byte> destination, MacAddress destinationMac, MacAddress sourceMac, ushort etherType, VlanTag? vlan = null)
    {
        int length = GetHeaderLength(vlan);
        FrameWriter.EnsureSize(destination, length, "An Ethernet header");
        var w = new FrameWriter(destination);
        w.WriteEthernetHeader(destinationMac, sourceMac, etherType, vlan);
        return w.Position;
    }

    /// <summary>Parses an Ethernet II header (with at most one 802.1Q tag). Never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, out EthernetHeader header, out FrameRejectReason reason)
    {
        header = default;
        if (frame.Length < HeaderLength)
        {
            reason = FrameRejectReason.Truncated;
            return false;
        }

        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        VlanTag? vlan = null;
        int length = HeaderLength;
        if (type == EtherType.Vlan)
        {
            if (frame.Length < HeaderLength + VlanTagLength)
            {
                reason = FrameRejectReason.Truncated;
                return false;
            }

            vlan = VlanTag.FromControlInformation(BinaryPrimitives.ReadUInt16BigEndian(frame[14..]));
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
            length += VlanTagLength;
            if (type == EtherType.Vlan || type == 0x88A8)
            {
                reason = FrameRejectReason.UnexpectedEtherType;
                return false;
            }
        }

        header = new EthernetHeader(MacAddress.Read(frame, out _), MacAddress.Read(frame[6..], out _), type, vlan, frame[length..]);
        reason = FrameRejectReason.None;
        return true;
    }

    /// <summary>Parses the Ethernet header and requires <paramref name="etherType"/>.</summary>
    internal static bool TryParse(ReadOnlySpan<byte> frame, ushort etherType, out EthernetHeader header, out FrameRejectReason reason)
    {
        if (!TryParse(frame, out header, out reason))
        {
            return false;
        }

        if (header.EtherType != etherType)
        {
            reason = FrameRejectReason.UnexpectedEtherType;
            return false;
        }

        return true;
    }
}

/// <summary>A parsed Ethernet header; <see cref="Payload"/> points into the received frame.</summary>
internal readonly ref struct EthernetHeader
{
    internal EthernetHeader(MacAddress destination, MacAddress source, ushort etherType, VlanTag? vlan, ReadOnlySpan<byte> payload)
    {
        Destination = destination;
        Source = source;
        EtherType = etherType;
        Vlan = vlan;
        Payload = payload;
    }

    /// <summary>Destination MAC.</summary>
    public MacAddress Destination { get; }

    /// <summary>Source MAC.</summary>
    public MacAddress Source { get; }

    /// <summary>The EtherType of the payload (after the tag, if any).</summary>
    public ushort EtherType { get; }

    /// <summary>The 802.1Q tag, if present.</summary>
    public VlanTag? Vlan { get; }

    /// <summary>The header length: 14, or 18 with a tag.</summary>
    public int Length => Vlan.HasValue ? Ethernet.HeaderLength + Ethernet.VlanTagLength : Ethernet.HeaderLength;

    /// <summary>Everything after the header, including any Ethernet padding.</summary>
    public ReadOnlySpan<byte> Payload { get; }
}
