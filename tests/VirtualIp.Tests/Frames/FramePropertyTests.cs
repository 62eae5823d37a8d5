using VirtualIp.Addressing;
using VirtualIp.Frames;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Frames;

public sealed class FramePropertyTests
{
    private static MacAddress RandomMac(Random rng) => MacAddress.FromUInt64((ulong)rng.NextInt64() & 0xFEFF_FFFF_FFFFUL);

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static VlanTag? RandomVlan(Random rng) => rng.Next(3) == 0 ? new VlanTag((ushort)rng.Next(4095), (byte)rng.Next(8)) : null;

    [Fact]
    public void Random_arp_fields_round_trip()
    {
        var rng = new Random(5227);
        var buf = new byte[64];
        for (int i = 0; i < 3000; i++)
        {
            var op = rng.Next(2) == 0 ? ArpOperation.Request : ArpOperation.Reply;
            MacAddress es = RandomMac(rng), ed = RandomMac(rng), sha = RandomMac(rng), tha = RandomMac(rng);
            byte[] spa = RandomBytes(rng, 4), tpa = RandomBytes(rng, 4);
            var vlan = RandomVlan(rng);
            int n = Arp.Write(buf, op, es, ed, sha, spa, tha, tpa, vlan);
            Assert.Equal(Arp.GetFrameLength(vlan), n);
            Assert.True(Arp.TryParse(buf.AsSpan(0, n), out var m, out var reason), reason.ToString());
            Assert.Equal(op, m.Operation);
            Assert.Equal(es, m.Ethernet.Source);
            Assert.Equal(ed, m.Ethernet.Destination);
            Assert.Equal(sha, m.SenderHardwareAddress);
            Assert.Equal(tha, m.TargetHardwareAddress);
            Assert.True(m.SenderProtocolAddress.SequenceEqual(spa));
            Assert.True(m.TargetProtocolAddress.SequenceEqual(tpa));
            Assert.Equal(vlan, m.Ethernet.Vlan);
        }
    }

    [Fact]
    public void Random_ndp_fields_round_trip()
    {
        var rng = new Random(4861);
        var buf = new byte[128];
        for (int i = 0; i < 3000; i++)
        {
            var mac = RandomMac(rng);
            var target = RandomBytes(rng, 16);
            target[0] = (byte)rng.Next(0xfe); // not multicast
            var vlan = RandomVlan(rng);
            if (i % 2 == 0)
            {
                bool router = rng.Next(2) == 0;
                var source = rng.Next(2) == 0 ? RandomBytes(rng, 16) : null;
                int n = Ndp.WriteUnsolicitedNeighborAdvertisement(buf, mac, target, router, source, vlan);
                Assert.True(Ndp.TryParse(buf.AsSpan(0, n), out var m, out var reason), reason.ToString());
                Assert.Equal(NdpMessageType.NeighborAdvertisement, m.Type);
                Assert.Equal(router, (m.Flags & NeighborAdvertisementFlags.Router) != 0);
                Assert.True(m.TargetAddress.SequenceEqual(target));
                Assert.True(m.SourceAddress.SequenceEqual(source ?? target));
                Assert.Equal(mac, m.TargetLinkLayerAddress);
                Assert.Equal(vlan, m.Ethernet.Vlan);
            }
            else
            {
                int n = Ndp.WriteDuplicateAddressDetection(buf, mac, target, vlan);
                Assert.True(Ndp.TryParse(buf.AsSpan(0, n), out var m, out var reason), reason.ToString());
                Assert.True(m.IsDuplicateAddressDetection);
                Assert.True(m.TargetAddress.SequenceEqual(target));
                Assert.Equal(mac, m.Ethernet.Source);
            }
        }
    }

    [Fact]
    public void Random_vrrp_frames_round_trip()
    {
        var rng = new Random(9568);
        var buf = new byte[1600];
        for (int i = 0; i < 2000; i++)
        {
            bool v6 = rng.Next(2) == 0;
            var version = v6 || rng.Next(2) == 0 ? VrrpVersion.V3 : VrrpVersion.V2;
            int count = rng.Next(1, 20);
            var addrs = RandomBytes(rng, count * (v6 ? 16 : 4));
            var src = RandomBytes(rng, v6 ? 16 : 4);
            var dst = RandomBytes(rng, v6 ? 16 : 4);
            ushort interval = version == VrrpVersion.V2 ? (ushort)(rng.Next(1, 256) * 100) : (ushort)rng.Next(1, 4096);
            var msg = new VrrpMessage(version, (byte)rng.Next(1, 256), (byte)rng.Next(256), interval, v6, addrs);
            var vlan = RandomVlan(rng);
            ushort id = (ushort)rng.Next(65536);
            int n = v6
                ? VrrpFrame.WriteIPv6(buf, RandomMac(rng), VrrpFrame.IPv6MulticastMac, src, dst, msg, (byte)rng.Next(256), (uint)rng.Next(1 << 20), vlan)
                : VrrpFrame.WriteIPv4(buf, RandomMac(rng), VrrpFrame.IPv4MulticastMac, src, dst, msg, identification: id, dontFragment: rng.Next(2) == 0, vlan: vlan);
            Assert.Equal(VrrpFrame.GetFrameLength(msg, vlan), n);
            Assert.True(VrrpFrame.TryParse(buf.AsSpan(0, n), out var f, out var reason), $"case {i}: {reason}");
            Assert.Equal(v6, f.IsIPv6);
            Assert.Equal(version, f.Message.Version);
            Assert.Equal(msg.VirtualRouterId, f.Message.VirtualRouterId);
            Assert.Equal(msg.Priority, f.Message.Priority);
            Assert.Equal(interval, f.Message.IntervalCentiseconds);
            Assert.True(f.Message.Addresses.SequenceEqual(addrs));
            Assert.True(f.SourceAddress.SequenceEqual(src));
            Assert.True(f.DestinationAddress.SequenceEqual(dst));
        }
    }

    /// <summary>Runs every parser; each answer must be consistent (accepted with no reason, or rejected with one).
    /// Returns a bit per parser that accepted: 1 ARP, 2 NDP, 4 VRRP.</summary>
    private static int ParseAll(ReadOnlySpan<byte> frame)
    {
        static bool Check(bool ok, FrameRejectReason reason)
        {
            Assert.Equal(ok, reason == FrameRejectReason.None);
            return ok;
        }

        Check(Ethernet.TryParse(frame, out _, out var r), r);
        Check(IPv4.TryParse(frame, out _, out r), r);
        Check(IPv6.TryParse(frame, out _, out r), r);
        bool arp = Check(Arp.TryParse(frame, out _, out r), r);
        bool ndp = Check(Ndp.TryParse(frame, out _, out r), r);
        VrrpFrame.TryParse(frame, default, out _, out _);
        bool vrrp = VrrpFrame.TryParse(frame, out _, out var vr);
        Assert.Equal(vrrp, vr == VrrpRejectReason.None);
        if (frame.Length > 14)
        {
            Check(IPv4.TryParse(frame[14..], out _, out r), r);
            Check(IPv6.TryParse(frame[14..], out _, out r), r);
        }

        return (arp ? 1 : 0) | (ndp ? 2 : 0) | (vrrp ? 4 : 0);
    }

    [Fact]
    public void Random_mutated_and_truncated_frames_never_throw_or_hang()
    {
        var rng = new Random(826);
        var seeds = new List<byte[]>();
        var buf = new byte[200];
        var mac = MacAddress.Parse("02:00:00:00:00:01");
        byte[] vip6 = System.Net.IPAddress.Parse("2001:db8::100").GetAddressBytes();
        seeds.Add(buf[..Arp.WriteGratuitousRequest(buf, mac, [192, 0, 2, 100])]);
        seeds.Add(buf[..Ndp.WriteUnsolicitedNeighborAdvertisement(buf, mac, vip6)]);
        seeds.Add(buf[..Ndp.WriteDuplicateAddressDetection(buf, mac, vip6, new VlanTag(5))]);
        seeds.Add(buf[..VrrpFrame.WriteIPv4(buf, mac, VrrpFrame.IPv4MulticastMac, [192, 0, 2, 11], VrrpFrame.IPv4MulticastGroup,
            new VrrpMessage(VrrpVersion.V2, 1, 100, 100, false, [192, 0, 2, 100]))]);
        seeds.Add(buf[..VrrpFrame.WriteIPv6(buf, mac, VrrpFrame.IPv6MulticastMac, vip6, VrrpFrame.IPv6MulticastGroup,
            new VrrpMessage(VrrpVersion.V3, 1, 100, 100, true, vip6))]);
        foreach (var file in new[] { "full-session.pcap", "vrrp2-ipv4-auth-pass-full-session.pcap", "vrrp3-ipv4-unicast-full-session.pcap" })
        {
            seeds.AddRange(PcapFile.ReadFrames(file));
        }

        // Every seed is accepted by its own parser; no truncation of an ARP, NDP or VRRP seed is accepted.
        foreach (var seed in seeds)
        {
            int whole = ParseAll(seed);
            for (int len = 0; len < Math.Min(seed.Length, 42); len++)
            {
                Assert.Equal(0, ParseAll(seed.AsSpan(0, len)) & whole);
            }

            for (int len = 42; len < seed.Length; len++)
            {
                ParseAll(seed.AsSpan(0, len));
            }
        }

        Assert.Equal(1, ParseAll(seeds[0]) & 1);
        Assert.Equal(2, ParseAll(seeds[1]) & 2);
        Assert.Equal(4, ParseAll(seeds[3]) & 4);

        // Mutations: flip 1-4 bytes, sometimes append garbage (NDP options of any length, including 0). Both answers
        // must occur for each parser: some mutations (in fields no parser checks) still parse, most do not.
        var accepted = new int[8];
        for (int i = 0; i < 20000; i++)
        {
            var seed = seeds[rng.Next(seeds.Count)];
            var frame = new byte[seed.Length + (rng.Next(4) == 0 ? rng.Next(1, 24) : 0)];
            seed.CopyTo(frame, 0);
            rng.NextBytes(frame.AsSpan(seed.Length));
            for (int k = rng.Next(1, 5); k > 0; k--)
            {
                frame[rng.Next(frame.Length)] = (byte)rng.Next(256);
            }

            accepted[ParseAll(frame)]++;
        }

        Assert.InRange(accepted[0], 1000, 19000); // many mutations are rejected by every parser ...
        Assert.InRange(accepted[1] + accepted[2] + accepted[4], 1000, 19000); // ... and many still parse as their kind

        // Pure noise: no parser accepts it (checksums, ethertypes and lengths all have to line up).
        int noiseAccepted = 0;
        for (int i = 0; i < 5000; i++)
        {
            var frame = RandomBytes(rng, rng.Next(0, 160));
            noiseAccepted += ParseAll(frame) & 6;
        }

        Assert.Equal(0, noiseAccepted);
    }

    [Fact]
    public void Ndp_option_of_length_zero_after_a_valid_one_is_rejected()
    {
        var mac = MacAddress.Parse("02:00:00:00:00:01");
        byte[] vip6 = System.Net.IPAddress.Parse("2001:db8::100").GetAddressBytes();
        var buf = new byte[Ndp.NeighborAdvertisementFrameLength + 8];
        Ndp.WriteUnsolicitedNeighborAdvertisement(buf, mac, vip6);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(buf.AsSpan(18), 40);
        buf[86] = 14; // unknown option type with length 0
        var icmp = buf.AsSpan(54, 40);
        icmp[2] = icmp[3] = 0;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Ndp.IcmpV6Checksum(buf.AsSpan(22, 16), buf.AsSpan(38, 16), icmp));
        Assert.False(Ndp.TryParse(buf, out _, out var reason));
        Assert.Equal(FrameRejectReason.BadOptionLength, reason);
    }
}
