using System.Buffers.Binary;
using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Frames;
using Pd = PacketDotNet;

namespace VirtualIp.Tests.Frames;

public sealed class NdpFrameTests
{
    private static readonly MacAddress Mac = MacAddress.Parse("02:00:00:00:00:01");
    private static readonly byte[] Vip = IPAddress.Parse("2001:db8::100").GetAddressBytes();
    private static readonly byte[] LinkLocal = IPAddress.Parse("fe80::ff:fe00:1").GetAddressBytes();

    public static TheoryData<string> NaCaptures => new()
    {
        "unsolicited-na-takeover.pcap", "unsolicited-na-takeover-vmac.pcap", "full-session.pcap", "full-session-vmac.pcap",
    };

    private static byte[] Na(MacAddress mac, bool router = false, ReadOnlySpan<byte> source = default, VlanTag? vlan = null)
    {
        var buf = new byte[Ndp.GetNeighborAdvertisementFrameLength(vlan)];
        Assert.Equal(buf.Length, Ndp.WriteUnsolicitedNeighborAdvertisement(buf, mac, Vip, router, source, vlan));
        return buf;
    }

    [Theory]
    [MemberData(nameof(NaCaptures))]
    public void Keepalived_unsolicited_na_parse_and_rebuild_byte_exact(string file)
    {
        int seen = 0;
        foreach (var (_, frame) in PcapFile.FramesOfType(EtherType.IPv6, file))
        {
            if (frame[20] != Ndp.IcmpV6Protocol)
            {
                continue;
            }

            seen++;
            Assert.True(Ndp.TryParse(frame, out var na, out var reason), $"{file}: {reason}");
            Assert.Equal(NdpMessageType.NeighborAdvertisement, na.Type);
            Assert.Equal(NeighborAdvertisementFlags.Override, na.Flags);
            Assert.Equal(255, na.HopLimit);
            Assert.Equal(Vip, na.TargetAddress.ToArray());
            Assert.Equal(Vip, na.SourceAddress.ToArray()); // keepalived sends from the VIP itself
            Assert.Equal(na.Ethernet.Source, na.TargetLinkLayerAddress);
            Assert.Null(na.SourceLinkLayerAddress);
            if (file.Contains("vmac"))
            {
                Assert.Equal(MacAddress.ForVirtualRouter(52, ipv6: true), na.Ethernet.Source);
            }

            var ours = Na(na.Ethernet.Source);
            Assert.Equal(frame, ours);
        }

        Assert.True(seen >= 5, $"{file}: {seen} NAs");
    }

    [Fact]
    public void Unsolicited_na_variants()
    {
        var na = Na(Mac, router: true, source: LinkLocal, vlan: new VlanTag(10));
        Assert.Equal(90, na.Length);
        Assert.True(Ndp.TryParse(na, out var m, out var reason), reason.ToString());
        Assert.Equal(NeighborAdvertisementFlags.Override | NeighborAdvertisementFlags.Router, m.Flags);
        Assert.Equal(LinkLocal, m.SourceAddress.ToArray());
        Assert.Equal(Ndp.AllNodes.ToArray(), m.DestinationAddress.ToArray());
        Assert.Equal(MacAddress.Parse("33:33:00:00:00:01"), m.Ethernet.Destination);
        Assert.Equal((ushort)10, m.Ethernet.Vlan!.Value.Id);
    }

    [Fact]
    public void Dad_solicitation_layout()
    {
        var target = IPAddress.Parse("2001:db8::1234:5678").GetAddressBytes();
        var buf = new byte[Ndp.NeighborSolicitationFrameLength];
        Assert.Equal(78, Ndp.WriteDuplicateAddressDetection(buf, Mac, target));
        Assert.Equal(MacAddress.Parse("33:33:ff:34:56:78"), new MacAddress(buf.AsSpan(0, 6)));
        Assert.Equal(IPAddress.Parse("ff02::1:ff34:5678").GetAddressBytes(), buf[38..54]);
        Assert.Equal(new byte[16], buf[22..38]);
        Assert.Equal(255, buf[21]);
        Assert.Equal(24, BinaryPrimitives.ReadUInt16BigEndian(buf.AsSpan(18)));
        Assert.True(Ndp.TryParse(buf, out var ns, out var reason), reason.ToString());
        Assert.Equal(NdpMessageType.NeighborSolicitation, ns.Type);
        Assert.True(ns.IsDuplicateAddressDetection);
        Assert.Null(ns.SourceLinkLayerAddress);
        Assert.Equal(target, ns.TargetAddress.ToArray());

        var pd = Pd.Packet.ParsePacket(Pd.LinkLayers.Ethernet, buf).Extract<Pd.IcmpV6Packet>();
        Assert.NotNull(pd);
        Assert.True(pd.ValidIcmpChecksum);
    }

    [Fact]
    public void Our_na_parses_in_PacketDotNet_with_a_valid_checksum()
    {
        foreach (var frame in new[] { Na(Mac), Na(MacAddress.ForVirtualRouter(52, true), router: true, source: LinkLocal) })
        {
            var packet = Pd.Packet.ParsePacket(Pd.LinkLayers.Ethernet, frame);
            var icmp = packet.Extract<Pd.IcmpV6Packet>();
            Assert.NotNull(icmp);
            Assert.True(icmp.ValidIcmpChecksum);
            Assert.Equal(Pd.IcmpV6Type.NeighborAdvertisement, icmp.Type);
            var ip = packet.Extract<Pd.IPv6Packet>();
            Assert.Equal(255, ip.HopLimit);
            // The NA body as PacketDotNet sees it (independent of our parser): flags byte, then the target.
            var body = frame.AsSpan(icmp.HeaderSegment.Offset);
            Assert.Equal(0x20, body[4] & 0x60); // Override set, Solicited clear (RFC 4861 section 4.4)
            Assert.Equal(IPAddress.Parse("2001:db8::100"), new IPAddress(body.Slice(8, 16)));
        }
    }

    private static FrameRejectReason Reject(byte[] frame)
    {
        Assert.False(Ndp.TryParse(frame, out _, out var reason));
        Assert.NotEqual(FrameRejectReason.None, reason);
        return reason;
    }

    private static void FixChecksum(byte[] frame, int ipAt = 14)
    {
        int plen = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(ipAt + 4));
        var icmp = frame.AsSpan(ipAt + 40, plen);
        icmp[2] = icmp[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Ndp.IcmpV6Checksum(frame.AsSpan(ipAt + 8, 16), frame.AsSpan(ipAt + 24, 16), icmp));
    }

    [Fact]
    public void Parser_rejects_per_rfc4861_with_reasons()
    {
        var na = Na(Mac);
        var bad = (byte[])na.Clone();
        bad[21] = 64;
        Assert.Equal(FrameRejectReason.BadHopLimit, Reject(bad));

        bad = (byte[])na.Clone();
        bad[70] ^= 1;
        Assert.Equal(FrameRejectReason.BadIcmpChecksum, Reject(bad));

        bad = (byte[])na.Clone();
        bad[55] = 1;
        FixChecksum(bad);
        Assert.Equal(FrameRejectReason.BadIcmpCode, Reject(bad));

        bad = (byte[])na.Clone();
        bad[54] = 128; // echo request
        FixChecksum(bad);
        Assert.Equal(FrameRejectReason.BadIcmpType, Reject(bad));

        bad = (byte[])na.Clone();
        bad[79] = 0; // option length 0: must be rejected, never looped on
        FixChecksum(bad);
        Assert.Equal(FrameRejectReason.BadOptionLength, Reject(bad));

        bad = (byte[])na.Clone();
        bad[79] = 2; // option runs past the end
        FixChecksum(bad);
        Assert.Equal(FrameRejectReason.BadOptionLength, Reject(bad));

        bad = (byte[])na.Clone();
        bad[62] = 0xff; // multicast target
        FixChecksum(bad);
        Assert.Equal(FrameRejectReason.BadTargetAddress, Reject(bad));

        bad = (byte[])na.Clone();
        bad[58] |= 0x40; // S flag to a multicast destination
        FixChecksum(bad);
        Assert.Equal(FrameRejectReason.BadAddresses, Reject(bad));

        bad = (byte[])na.Clone();
        bad[20] = 17;
        Assert.Equal(FrameRejectReason.UnexpectedProtocol, Reject(bad));

        Assert.Equal(FrameRejectReason.Truncated, Reject(na[..85]));
        Assert.Equal(FrameRejectReason.Truncated, Reject(na[..60]));
        Assert.Equal(FrameRejectReason.UnexpectedEtherType, Reject(new byte[42]));

        // DAD solicitation with a source link-layer option, or not to the solicited-node group.
        var ns = new byte[Ndp.NeighborSolicitationFrameLength + 8];
        Ndp.WriteDuplicateAddressDetection(ns, Mac, Vip);
        BinaryPrimitives.WriteUInt16BigEndian(ns.AsSpan(18), 32);
        ns[78] = 1;
        ns[79] = 1;
        Mac.WriteTo(ns.AsSpan(80));
        FixChecksum(ns);
        Assert.Equal(FrameRejectReason.BadAddresses, Reject(ns));

        var ns2 = new byte[Ndp.NeighborSolicitationFrameLength];
        Ndp.WriteDuplicateAddressDetection(ns2, Mac, Vip);
        ns2[53] ^= 1;
        FixChecksum(ns2);
        Assert.Equal(FrameRejectReason.BadAddresses, Reject(ns2));
    }

    [Fact]
    public void Misuse_throws_naming_the_size()
    {
        var ex = Assert.Throws<ArgumentException>(() => Ndp.WriteUnsolicitedNeighborAdvertisement(new byte[85], Mac, Vip));
        Assert.Contains("86", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => Ndp.WriteDuplicateAddressDetection(new byte[77], Mac, Vip));
        Assert.Contains("78", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Ndp.WriteUnsolicitedNeighborAdvertisement(new byte[86], Mac, new byte[4]));
        Assert.Throws<ArgumentException>(() => Ndp.WriteUnsolicitedNeighborAdvertisement(new byte[86], Mac, Vip, sourceAddress: new byte[4]));
    }
}
