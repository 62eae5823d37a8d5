using System.Net;
using System.Net.NetworkInformation;
using VirtualIp.Addressing;
using VirtualIp.Frames;
using Pd = PacketDotNet;

namespace VirtualIp.Tests.Frames;

public sealed class ArpFrameTests
{
    private static readonly MacAddress Mac = MacAddress.Parse("02:00:00:00:00:01");
    private static readonly byte[] Vip = [192, 0, 2, 100];

    public static TheoryData<string> ArpCaptures => new()
    {
        "garp-takeover.pcap", "garp-takeover-vmac.pcap", "vrrp2-ipv4-garp-takeover.pcap", "vrrp2-ipv4-auth-pass-garp-takeover.pcap",
        "vrrp3-ipv4-unicast-garp-takeover.pcap", "vrrp3-ipv4-unicast-full-session.pcap", "full-session.pcap", "full-session-vmac.pcap",
    };

    [Theory]
    [MemberData(nameof(ArpCaptures))]
    public void Keepalived_arp_frames_parse_and_rebuild_byte_exact(string file)
    {
        int gratuitous = 0;
        foreach (var (_, frame) in PcapFile.FramesOfType(EtherType.Arp, file))
        {
            Assert.True(Arp.TryParse(frame, out var arp, out var reason), $"{file}: {reason}");
            var ours = new byte[Arp.FrameLength];
            int n;
            if (arp.IsGratuitous)
            {
                gratuitous++;
                Assert.Equal(ArpOperation.Request, arp.Operation);
                Assert.Equal(MacAddress.Broadcast, arp.TargetHardwareAddress);
                Assert.Equal(arp.Ethernet.Source, arp.SenderHardwareAddress);
                Assert.Equal(Vip, arp.SenderProtocolAddress.ToArray());
                if (file.Contains("vmac"))
                {
                    Assert.Equal(MacAddress.ForVirtualRouter(51), arp.SenderHardwareAddress);
                }

                n = Arp.WriteGratuitousRequest(ours, arp.SenderHardwareAddress, arp.SenderProtocolAddress);
            }
            else
            {
                n = Arp.Write(ours, arp.Operation, arp.Ethernet.Source, arp.Ethernet.Destination, arp.SenderHardwareAddress,
                    arp.SenderProtocolAddress, arp.TargetHardwareAddress, arp.TargetProtocolAddress);
            }

            Assert.Equal(frame.Length, n);
            Assert.Equal(frame, ours);
        }

        Assert.True(gratuitous >= 5, $"{file}: {gratuitous} gratuitous ARPs");
    }

    [Fact]
    public void Variants_have_the_documented_layout()
    {
        var buf = new byte[64];
        Assert.Equal(42, Arp.WriteGratuitousReply(buf, Mac, Vip));
        Assert.True(Arp.TryParse(buf.AsSpan(0, 42), out var reply, out _));
        Assert.Equal(ArpOperation.Reply, reply.Operation);
        Assert.Equal(MacAddress.Broadcast, reply.Ethernet.Destination);
        Assert.True(reply.IsGratuitous);
        Assert.False(reply.IsProbe);

        Assert.Equal(42, Arp.WriteGratuitousRequest(buf, Mac, Vip, ArpTargetHardwareAddress.Zero));
        Assert.True(Arp.TryParse(buf.AsSpan(0, 42), out var zero, out _));
        Assert.Equal(MacAddress.Zero, zero.TargetHardwareAddress);
        Assert.Equal(42, Arp.WriteGratuitousRequest(buf, Mac, Vip, ArpTargetHardwareAddress.Sender));
        Assert.True(Arp.TryParse(buf.AsSpan(0, 42), out var self, out _));
        Assert.Equal(Mac, self.TargetHardwareAddress);

        Assert.Equal(42, Arp.WriteProbe(buf, Mac, Vip));
        Assert.True(Arp.TryParse(buf.AsSpan(0, 42), out var probe, out _));
        Assert.True(probe.IsProbe);
        Assert.False(probe.IsGratuitous);
        Assert.Equal(new byte[4], probe.SenderProtocolAddress.ToArray());
        Assert.Equal(Vip, probe.TargetProtocolAddress.ToArray());
        Assert.Equal(MacAddress.Zero, probe.TargetHardwareAddress);

        Assert.Equal(42, Arp.WriteAnnouncement(buf, Mac, Vip));
        Assert.True(Arp.TryParse(buf.AsSpan(0, 42), out var ann, out _));
        Assert.True(ann.IsGratuitous);
        Assert.Equal(MacAddress.Zero, ann.TargetHardwareAddress);
        Assert.Equal(ArpOperation.Request, ann.Operation);

        var vlan = new VlanTag(100, 6);
        Assert.Equal(46, Arp.WriteGratuitousRequest(buf, MacAddress.ForVirtualRouter(7), Vip, vlan: vlan));
        Assert.Equal(new byte[] { 0x81, 0x00, 0xC0, 0x64, 0x08, 0x06 }, buf[12..18]);
        Assert.True(Arp.TryParse(buf.AsSpan(0, 46), out var tagged, out _));
        Assert.Equal(vlan, tagged.Ethernet.Vlan);
        Assert.Equal(MacAddress.ForVirtualRouter(7), tagged.SenderHardwareAddress);
    }

    [Fact]
    public void Misuse_throws_naming_the_size()
    {
        var small = new byte[41];
        var ex = Assert.Throws<ArgumentException>(() => Arp.WriteGratuitousRequest(small, Mac, Vip));
        Assert.Contains("42", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => Arp.WriteGratuitousRequest(new byte[45], Mac, Vip, vlan: new VlanTag(1)));
        Assert.Contains("46", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Arp.WriteGratuitousRequest(new byte[42], Mac, new byte[16]));
        Assert.Throws<ArgumentException>(() => Arp.Write(new byte[42], (ArpOperation)3, Mac, Mac, Mac, Vip, Mac, Vip));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VlanTag(4095));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VlanTag(1, 8));
    }

    [Fact]
    public void Parser_rejects_with_reasons()
    {
        var buf = new byte[42];
        Arp.WriteGratuitousRequest(buf, Mac, Vip);
        Assert.False(Arp.TryParse(buf.AsSpan(0, 41), out _, out var r));
        Assert.Equal(FrameRejectReason.Truncated, r);
        Assert.False(Arp.TryParse(buf.AsSpan(0, 10), out _, out r));
        Assert.Equal(FrameRejectReason.Truncated, r);

        var bad = (byte[])buf.Clone();
        bad[13] = 0x00;
        Assert.False(Arp.TryParse(bad, out _, out r));
        Assert.Equal(FrameRejectReason.UnexpectedEtherType, r);
        bad = (byte[])buf.Clone();
        bad[19] = 6; // hardware length
        Assert.False(Arp.TryParse(bad, out _, out r));
        Assert.Equal(FrameRejectReason.BadArpFormat, r);
        bad = (byte[])buf.Clone();
        bad[21] = 3;
        Assert.False(Arp.TryParse(bad, out _, out r));
        Assert.Equal(FrameRejectReason.BadArpOperation, r);

        // Ethernet padding to 60 bytes is accepted.
        var padded = new byte[60];
        buf.CopyTo(padded, 0);
        Assert.True(Arp.TryParse(padded, out _, out _));
    }

    [Fact]
    public void Our_arp_frames_parse_in_PacketDotNet()
    {
        var buf = new byte[42];
        foreach (var (kind, n) in new[]
        {
            ("request", Arp.WriteGratuitousRequest(buf, Mac, Vip)),
        })
        {
            Check(kind, buf[..n], Pd.ArpOperation.Request, "192.0.2.100", "ff:ff:ff:ff:ff:ff");
        }

        Check("reply", Build(b => Arp.WriteGratuitousReply(b, Mac, Vip)), Pd.ArpOperation.Response, "192.0.2.100", "ff:ff:ff:ff:ff:ff");
        Check("probe", Build(b => Arp.WriteProbe(b, Mac, Vip)), Pd.ArpOperation.Request, "0.0.0.0", "00:00:00:00:00:00");
        Check("announcement", Build(b => Arp.WriteAnnouncement(b, Mac, Vip)), Pd.ArpOperation.Request, "192.0.2.100", "00:00:00:00:00:00");

        static byte[] Build(Func<byte[], int> write)
        {
            var b = new byte[42];
            Assert.Equal(42, write(b));
            return b;
        }

        static void Check(string kind, byte[] frame, Pd.ArpOperation op, string spa, string tha)
        {
            var packet = Pd.Packet.ParsePacket(Pd.LinkLayers.Ethernet, frame);
            var arp = packet.Extract<Pd.ArpPacket>();
            Assert.True(arp is not null, kind);
            Assert.Equal(op, arp.Operation);
            Assert.Equal(IPAddress.Parse(spa), arp.SenderProtocolAddress);
            Assert.Equal(IPAddress.Parse("192.0.2.100"), arp.TargetProtocolAddress);
            Assert.Equal(PhysicalAddress.Parse("02-00-00-00-00-01"), arp.SenderHardwareAddress);
            Assert.Equal(PhysicalAddress.Parse(tha.Replace(':', '-')), arp.TargetHardwareAddress);
        }
    }

    [Fact]
    public void PacketDotNet_arp_frames_parse_in_ours()
    {
        var rng = new Random(826);
        for (int i = 0; i < 200; i++)
        {
            var sha = new byte[6];
            var tha = new byte[6];
            var spa = new byte[4];
            var tpa = new byte[4];
            rng.NextBytes(sha);
            rng.NextBytes(tha);
            rng.NextBytes(spa);
            rng.NextBytes(tpa);
            var op = i % 2 == 0 ? Pd.ArpOperation.Request : Pd.ArpOperation.Response;
            var eth = new Pd.EthernetPacket(new PhysicalAddress(sha), PhysicalAddress.Parse("FF-FF-FF-FF-FF-FF"), Pd.EthernetType.Arp)
            {
                PayloadPacket = new Pd.ArpPacket(op, new PhysicalAddress(tha), new IPAddress(tpa), new PhysicalAddress(sha), new IPAddress(spa)),
            };
            var bytes = eth.Bytes;
            Assert.True(Arp.TryParse(bytes, out var arp, out var reason), reason.ToString());
            Assert.Equal(op == Pd.ArpOperation.Request ? ArpOperation.Request : ArpOperation.Reply, arp.Operation);
            Assert.Equal(new MacAddress(sha), arp.SenderHardwareAddress);
            Assert.Equal(new MacAddress(tha), arp.TargetHardwareAddress);
            Assert.Equal(spa, arp.SenderProtocolAddress.ToArray());
            Assert.Equal(tpa, arp.TargetProtocolAddress.ToArray());
            Assert.Equal(MacAddress.Broadcast, arp.Ethernet.Destination);

            // And our builder produces the same bytes.
            var ours = new byte[42];
            Arp.Write(ours, arp.Operation, new MacAddress(sha), MacAddress.Broadcast, new MacAddress(sha), spa, new MacAddress(tha), tpa);
            Assert.Equal(bytes.AsSpan(0, 42).ToArray(), ours);
        }
    }
}
