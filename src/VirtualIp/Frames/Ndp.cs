using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VirtualIp.Addressing;

namespace VirtualIp.Frames;

/// <summary>Neighbor Advertisement flags (RFC 4861 section 4.4).</summary>
[Flags]
internal enum NeighborAdvertisementFlags : byte
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>O: override existing cache entries.</summary>
    Override = 0x20,

    /// <summary>S: sent in response to a solicitation (never in unsolicited advertisements).</summary>
    Solicited = 0x40,

    /// <summary>R: the sender is a router.</summary>
    Router = 0x80,
}

/// <summary>The NDP message types the parser accepts.</summary>
internal enum NdpMessageType : byte
{
    /// <summary>Neighbor Solicitation (135).</summary>
    NeighborSolicitation = 135,

    /// <summary>Neighbor Advertisement (136).</summary>
    NeighborAdvertisement = 136,
}

/// <summary>
/// Writes and parses IPv6 Neighbor Discovery frames: unsolicited Neighbor Advertisements (the IPv6 gratuitous ARP) and
/// Neighbor Solicitations for duplicate address detection. The ICMPv6 checksum is always computed.
/// </summary>
internal static class Ndp
{
    /// <summary>ICMPv6 next-header value.</summary>
    public const byte IcmpV6Protocol = 58;

    /// <summary>Length of an untagged NA frame with a target link-layer address option.</summary>
    public const int NeighborAdvertisementFrameLength = Ethernet.HeaderLength + IPv6.HeaderLength + NaLength;

    /// <summary>Length of an untagged DAD NS frame (no options).</summary>
    public const int NeighborSolicitationFrameLength = Ethernet.HeaderLength + IPv6.HeaderLength + NsLength;

    private const int NaLength = 32; // 4 ICMP header + 4 flags + 16 target + 8 TLLA option
    private const int NsLength = 24; // 4 ICMP header + 4 reserved + 16 target
    private const byte OptionSourceLinkLayer = 1;
    private const byte OptionTargetLinkLayer = 2;

    /// <summary>ff02::1, all nodes.</summary>
    public static ReadOnlySpan<byte> AllNodes => [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

    /// <summary>The NA frame length with or without a tag.</summary>
    public static int GetNeighborAdvertisementFrameLength(VlanTag? vlan = null) => Ethernet.GetHeaderLength(vlan) + IPv6.HeaderLength + NaLength;

    /// <summary>The DAD NS frame length with or without a tag.</summary>
    public static int GetNeighborSolicitationFrameLength(VlanTag? vlan = null) => Ethernet.GetHeaderLength(vlan) + IPv6.HeaderLength + NsLength;

    /// <summary>
    /// Writes an unsolicited Neighbor Advertisement to ff02::1 (33:33:00:00:00:01): hop limit 255, O=1, S=0, R as given,
    /// with a target link-layer address option carrying <paramref name="sourceMac"/>. With the defaults this is byte-identical to keepalived's.
    /// </summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="sourceMac">Ethernet source and advertised link-layer address (interface MAC or VRRP virtual MAC).</param>
    /// <param name="targetAddress">The advertised address (16 bytes).</param>
    /// <param name="router">Set the R flag.</param>
    /// <param name="sourceAddress">The IPv6 source; empty means the target address itself (keepalived's choice). A link-local address also works.</param>
    /// <param name="vlan">Optional 802.1Q tag.</param>
    /// <exception cref="ArgumentException">The destination is too small (the message names the size) or an address is not 16 bytes.</exception>
    public static int WriteUnsolicitedNeighborAdvertisement(Span<byte> destination, MacAddress sourceMac, ReadOnlySpan<byte> targetAddress,
        bool router = false, ReadOnlySpan<byte> sourceAddress = default, VlanTag? vlan = null) =>
        WriteNeighborAdvertisement(destination, sourceMac, MacAddress.FromUInt64(0x3333_0000_0001UL), sourceAddress.IsEmpty ? targetAddress : sourceAddress,
            AllNodes, targetAddress, NeighborAdvertisementFlags.Override | (router ? NeighborAdvertisementFlags.Router : 0), vlan);

    /// <summary>Writes a Neighbor Advertisement (hop limit 255) with a target link-layer address option carrying <paramref name="sourceMac"/>.</summary>
    /// <exception cref="ArgumentException">The destination is too small (the message names the size) or an address is not 16 bytes.</exception>
    public static int WriteNeighborAdvertisement(Span<byte> destination, MacAddress sourceMac, MacAddress destinationMac,
        ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress, ReadOnlySpan<byte> targetAddress,
        NeighborAdvertisementFlags flags, VlanTag? vlan = null)
    {
        FrameWriter.RequireAddress(sourceAddress, 16, nameof(sourceAddress));
        FrameWriter.RequireAddress(destinationAddress, 16, nameof(destinationAddress));
        FrameWriter.RequireAddress(targetAddress, 16, nameof(targetAddress));
        FrameWriter.EnsureSize(destination, GetNeighborAdvertisementFrameLength(vlan), "A Neighbor Advertisement frame");
        var w = new FrameWriter(destination);
        w.WriteEthernetHeader(destinationMac, sourceMac, EtherType.IPv6, vlan);
        w.WriteIPv6Header(sourceAddress, destinationAddress, IcmpV6Protocol, NaLength, 255, 0, 0);
        Span<byte> icmp = w.Reserve(NaLength);
        icmp[0] = (byte)NdpMessageType.NeighborAdvertisement;
        icmp[1] = 0;
        icmp[2] = 0;
        icmp[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], (uint)flags << 24);
        targetAddress.CopyTo(icmp[8..]);
        icmp[24] = OptionTargetLinkLayer;
        icmp[25] = 1; // length in units of 8 bytes
        sourceMac.WriteTo(icmp[26..]);

        // The source and destination addresses end the IPv6 header right before the message: one pass covers both.
        ReadOnlySpan<byte> addressesAndMessage = w.Buffer.Slice(w.Position - NaLength - 32, 32 + NaLength);
        ulong sum = InternetChecksum.AccumulateWord(NaLength, InternetChecksum.AccumulateWord(IcmpV6Protocol, 0));
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Finish(InternetChecksum.Accumulate(addressesAndMessage, sum)));
        return w.Position;
    }

    /// <summary>
    /// Writes a Neighbor Solicitation for duplicate address detection (RFC 4862): source ::, destination the solicited-node group
    /// ff02::1:ffXX:XXXX of <paramref name="targetAddress"/> (MAC 33:33:ff:XX:XX:XX), hop limit 255, no source link-layer option.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is too small (the message names the size) or the address is not 16 bytes.</exception>
    public static int WriteDuplicateAddressDetection(Span<byte> destination, MacAddress sourceMac, ReadOnlySpan<byte> targetAddress, VlanTag? vlan = null)
    {
        FrameWriter.RequireAddress(targetAddress, 16, nameof(targetAddress));
        FrameWriter.EnsureSize(destination, GetNeighborSolicitationFrameLength(vlan), "A Neighbor Solicitation frame");
        Span<byte> group = stackalloc byte[16];
        SolicitedNodeGroup(targetAddress, group);
        ReadOnlySpan<byte> unspecified = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        var w = new FrameWriter(destination);
        w.WriteEthernetHeader(MacAddress.ForIPv6Multicast(group), sourceMac, EtherType.IPv6, vlan);
        w.WriteIPv6Header(unspecified, group, IcmpV6Protocol, NsLength, 255, 0, 0);
        Span<byte> icmp = w.Reserve(NsLength);
        icmp[0] = (byte)NdpMessageType.NeighborSolicitation;
        icmp[1..8].Clear();
        targetAddress.CopyTo(icmp[8..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], IcmpV6Checksum(unspecified, group, icmp));
        return w.Position;
    }

    /// <summary>Writes the solicited-node multicast group ff02::1:ffXX:XXXX of <paramref name="address"/> into <paramref name="group"/> (16 bytes).</summary>
    /// <exception cref="ArgumentException">A span is not 16 bytes.</exception>
    public static void SolicitedNodeGroup(ReadOnlySpan<byte> address, Span<byte> group)
    {
        FrameWriter.RequireAddress(address, 16, nameof(address));
        if (group.Length < 16)
        {
            ThrowGroupTooSmall(group.Length);
        }

        ReadOnlySpan<byte> prefix = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff];
        prefix.CopyTo(group);
        address.Slice(13, 3).CopyTo(group[13..]);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowGroupTooSmall(int group) =>
        throw new ArgumentException($"The group needs 16 bytes; the destination has {group}.", nameof(group));

    /// <summary>The ICMPv6 checksum over the pseudo-header and <paramref name="icmp"/> (whose checksum field must be zero to compute, or set to verify).</summary>
    internal static ushort IcmpV6Checksum(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> icmp)
    {
        ulong sum = InternetChecksum.Accumulate(source, 0);
        sum = InternetChecksum.Accumulate(destination, sum);
        sum = InternetChecksum.AccumulateWord((ushort)icmp.Length, sum);
        sum = InternetChecksum.AccumulateWord(IcmpV6Protocol, sum);
        return InternetChecksum.Finish(InternetChecksum.Accumulate(icmp, sum));
    }

    /// <summary>
    /// Parses and validates a Neighbor Solicitation or Advertisement frame (RFC 4861 sections 7.1.1 and 7.1.2): hop limit 255,
    /// valid ICMPv6 checksum, code 0, length, non-multicast target, every option of non-zero length within the message,
    /// DAD solicitations to a solicited-node group without a source link-layer option, multicast advertisements without S.
    /// Never throws and never loops on malformed options.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, out NdpMessage message, out FrameRejectReason reason)
    {
        message = default;
        if (!IPv6.TryParseFrame(frame, IcmpV6Protocol, out var eth, out var ip, out reason))
        {
            return false;
        }

        ReadOnlySpan<byte> icmp = ip.Payload;
        if (icmp.Length < 4)
        {
            reason = FrameRejectReason.Truncated;
            return false;
        }

        var type = (NdpMessageType)icmp[0];
        if (type is not (NdpMessageType.NeighborSolicitation or NdpMessageType.NeighborAdvertisement))
        {
            reason = FrameRejectReason.BadIcmpType;
            return false;
        }

        if (ip.HopLimit != 255)
        {
            reason = FrameRejectReason.BadHopLimit;
            return false;
        }

        if (icmp[1] != 0)
        {
            reason = FrameRejectReason.BadIcmpCode;
            return false;
        }

        if (icmp.Length < 24)
        {
            reason = FrameRejectReason.Truncated;
            return false;
        }

        if (IcmpV6Checksum(ip.SourceAddress, ip.DestinationAddress, icmp) != 0)
        {
            reason = FrameRejectReason.BadIcmpChecksum;
            return false;
        }

        ReadOnlySpan<byte> target = icmp.Slice(8, 16);
        if (target[0] == 0xff)
        {
            reason = FrameRejectReason.BadTargetAddress;
            return false;
        }

        MacAddress? sll = null, tll = null;
        ReadOnlySpan<byte> options = icmp[24..];
        while (!options.IsEmpty)
        {
            if (options.Length < 2)
            {
                reason = FrameRejectReason.BadOptionLength;
                return false;
            }

            int len = options[1] * 8;
            if (len == 0 || len > options.Length)
            {
                reason = FrameRejectReason.BadOptionLength;
                return false;
            }

            if (len >= 8 && options[0] is OptionSourceLinkLayer or OptionTargetLinkLayer)
            {
                var mac = MacAddress.Read(options[2..], out _);
                if (options[0] == OptionSourceLinkLayer)
                {
                    sll = mac;
                }
                else
                {
                    tll = mac;
                }
            }

            options = options[len..];
        }

        bool sourceUnspecified = !ip.SourceAddress.ContainsAnyExcept((byte)0);
        var flags = (NeighborAdvertisementFlags)(icmp[4] & 0xE0);
        if (type == NdpMessageType.NeighborSolicitation)
        {
            flags = NeighborAdvertisementFlags.None;
            if (sourceUnspecified)
            {
                Span<byte> group = stackalloc byte[16];
                SolicitedNodeGroup(target, group);
                if (!ip.DestinationAddress.SequenceEqual(group) || sll.HasValue)
                {
                    reason = FrameRejectReason.BadAddresses;
                    return false;
                }
            }
        }
        else if (ip.DestinationAddress[0] == 0xff && (flags & NeighborAdvertisementFlags.Solicited) != 0)
        {
            reason = FrameRejectReason.BadAddresses;
            return false;
        }

        message = new NdpMessage(eth, type, flags, ip.HopLimit, ip.SourceAddress, ip.DestinationAddress, target, sll, tll);
        reason = FrameRejectReason.None;
        return true;
    }
}

/// <summary>A parsed Neighbor Solicitation or Advertisement; the spans point into the received frame.</summary>
internal readonly ref struct NdpMessage
{
    internal NdpMessage(EthernetHeader ethernet, NdpMessageType type, NeighborAdvertisementFlags flags, byte hopLimit,
        ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress, ReadOnlySpan<byte> targetAddress,
        MacAddress? sourceLinkLayerAddress, MacAddress? targetLinkLayerAddress)
    {
        Ethernet = ethernet;
        Type = type;
        Flags = flags;
        HopLimit = hopLimit;
        SourceAddress = sourceAddress;
        DestinationAddress = destinationAddress;
        TargetAddress = targetAddress;
        SourceLinkLayerAddress = sourceLinkLayerAddress;
        TargetLinkLayerAddress = targetLinkLayerAddress;
    }

    /// <summary>The Ethernet header.</summary>
    public EthernetHeader Ethernet { get; }

    /// <summary>Solicitation or advertisement.</summary>
    public NdpMessageType Type { get; }

    /// <summary>Advertisement flags (none for a solicitation).</summary>
    public NeighborAdvertisementFlags Flags { get; }

    /// <summary>The IPv6 hop limit (always 255 once accepted).</summary>
    public byte HopLimit { get; }

    /// <summary>IPv6 source (:: for DAD).</summary>
    public ReadOnlySpan<byte> SourceAddress { get; }

    /// <summary>IPv6 destination.</summary>
    public ReadOnlySpan<byte> DestinationAddress { get; }

    /// <summary>The target address.</summary>
    public ReadOnlySpan<byte> TargetAddress { get; }

    /// <summary>The source link-layer address option, if present.</summary>
    public MacAddress? SourceLinkLayerAddress { get; }

    /// <summary>The target link-layer address option, if present.</summary>
    public MacAddress? TargetLinkLayerAddress { get; }

    /// <summary>True for a DAD probe (solicitation from ::).</summary>
    public bool IsDuplicateAddressDetection => Type == NdpMessageType.NeighborSolicitation && !SourceAddress.ContainsAnyExcept((byte)0);
}
