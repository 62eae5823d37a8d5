using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Frames;
using VirtualIp.Tests.Vrrp.Codec;
using VirtualIp.Vrrp;
using Pd = PacketDotNet;

namespace VirtualIp.Tests.Frames;

public sealed class VrrpFrameTests
{
    private static readonly MacAddress Mac = MacAddress.Parse("02:00:00:00:00:01");
    private static readonly byte[] Src4 = [192, 0, 2, 11];
    private static readonly byte[] Vip4 = [192, 0, 2, 100];
    private static readonly byte[] Src6 = IPAddress.Parse("fe80::ff:fe00:1").GetAddressBytes();
    private static readonly byte[] Vip6 = IPAddress.Parse("2001:db8::100").GetAddressBytes();

    private static VrrpReceiveContext Policy(string file) => file.Contains("auth-pass")
        ? new VrrpReceiveContext(false, 0, default, default) { AuthType = VrrpAuthType.SimpleText, AuthData = "secret12"u8 }
        : new VrrpReceiveContext(false, 0, default, default);

    [Theory]
    [MemberData(nameof(VrrpCodecVectorTests.VrrpCaptures), MemberType = typeof(VrrpCodecVectorTests))]
    public void Keepalived_vrrp_frames_parse_and_rebuild_byte_exact(string file)
    {
        int seen = 0;
        foreach (var frame in PcapFile.ReadFrames(file))
        {
            if (VrrpCodecVectorTests.Split(frame) is null)
            {
                continue;
            }

            seen++;
            Assert.True(VrrpFrame.TryParse(frame, Policy(file), out var f, out var reason), $"{file}: {reason}");
            Assert.Equal(255, f.Ttl);
            var m = f.Message;
            var ours = new byte[VrrpFrame.GetFrameLength(m)];
            int n;
            if (!f.IsIPv6)
            {
                Assert.True(IPv4.TryParse(f.Ethernet.Payload, out var ip, out _));
                Assert.False(ip.DontFragment);
                Assert.Equal(VrrpFrame.NetworkControl, ip.TypeOfService);
                bool multicast = f.DestinationAddress[0] == 224;
                Assert.Equal(multicast, f.Ethernet.Destination == VrrpFrame.IPv4MulticastMac);
                Assert.NotEqual(f.Ethernet.Source, f.Ethernet.Destination);
                if (multicast)
                {
                    Assert.Equal(VrrpFrame.IPv4MulticastMac, Ethernet.IPv4MulticastMac(f.DestinationAddress));
                }

                n = VrrpFrame.WriteIPv4(ours, f.Ethernet.Source, f.Ethernet.Destination, f.SourceAddress, f.DestinationAddress, m,
                    identification: ip.Identification);

                // keepalived's IPv4 frames parse in PacketDotNet with valid checksums, and so do ours.
                var pd = Pd.Packet.ParsePacket(Pd.LinkLayers.Ethernet, ours).Extract<Pd.IPv4Packet>();
                Assert.True(pd.ValidIPChecksum);
                Assert.Equal(255, pd.TimeToLive);
                Assert.Equal(112, (int)pd.Protocol);
                Assert.Equal(ip.Identification, pd.Id);
            }
            else
            {
                Assert.True(IPv6.TryParse(f.Ethernet.Payload, out var ip, out _));
                Assert.Equal(VrrpFrame.IPv6MulticastMac, f.Ethernet.Destination);
                Assert.Equal(VrrpFrame.IPv6MulticastGroup.ToArray(), f.DestinationAddress.ToArray());
                n = VrrpFrame.WriteIPv6(ours, f.Ethernet.Source, f.Ethernet.Destination, f.SourceAddress, f.DestinationAddress, m,
                    ip.TrafficClass, ip.FlowLabel);
            }

            if (file.Contains("vmac"))
            {
                Assert.Equal(MacAddress.ForVirtualRouter(m.VirtualRouterId, f.IsIPv6), f.Ethernet.Source);
            }

            Assert.Equal(frame.Length, n);
            Assert.Equal(frame, ours);
        }

        Assert.True(seen > 0);
    }

    [Fact]
    public void Built_frames_round_trip_through_the_parser_and_PacketDotNet()
    {
        var buf = new byte[128];
        var msg = new VrrpMessage(VrrpVersion.V2, 7, 200, 300, false, [.. Vip4, 198, 51, 100, 1], VrrpAuthType.SimpleText, "pw"u8);
        int n = VrrpFrame.WriteIPv4(buf, MacAddress.ForVirtualRouter(7), VrrpFrame.IPv4MulticastMac, Src4, VrrpFrame.IPv4MulticastGroup, msg,
            identification: 0x1234, dontFragment: true, vlan: new VlanTag(42));
        Assert.Equal(18 + 20 + 8 + 8 + 8, n);
        var policy = new VrrpReceiveContext(false, 0, default, default) { AuthType = VrrpAuthType.SimpleText, AuthData = "pw"u8 };
        Assert.True(VrrpFrame.TryParse(buf.AsSpan(0, n), policy, out var f, out var reason), reason.ToString());
        Assert.Equal((ushort)42, f.Ethernet.Vlan!.Value.Id);
        Assert.Equal(2, f.Message.AddressCount);
        Assert.Equal(300, f.Message.IntervalCentiseconds);
        Assert.True(IPv4.TryParse(f.Ethernet.Payload, out var ip, out _));
        Assert.True(ip.DontFragment);
        Assert.Equal(0x1234, ip.Identification);

        // Untagged message-only v3 frame parses in PacketDotNet with a valid IP checksum.
        var v3 = new VrrpMessage(VrrpVersion.V3, 9, 100, 50, false, Vip4);
        n = VrrpFrame.WriteIPv4(buf, Mac, VrrpFrame.IPv4MulticastMac, Src4, VrrpFrame.IPv4MulticastGroup, v3, VrrpChecksumMode.MessageOnly);
        var pd = Pd.Packet.ParsePacket(Pd.LinkLayers.Ethernet, buf[..n]).Extract<Pd.IPv4Packet>();
        Assert.True(pd.ValidIPChecksum);
        Assert.Equal(IPAddress.Parse("224.0.0.18"), pd.DestinationAddress);
        Assert.True(VrrpFrame.TryParse(buf.AsSpan(0, n), new VrrpReceiveContext(false, 0, default, default) { ChecksumMode = VrrpChecksumMode.MessageOnly }, out _, out _));
        Assert.False(VrrpFrame.TryParse(buf.AsSpan(0, n), new VrrpReceiveContext(false, 0, default, default) { ChecksumMode = VrrpChecksumMode.WithPseudoHeader }, out _, out reason));
        Assert.Equal(VrrpRejectReason.BadChecksum, reason);

        var v6 = new VrrpMessage(VrrpVersion.V3, 9, 100, 50, true, Vip6);
        n = VrrpFrame.WriteIPv6(buf, Mac, VrrpFrame.IPv6MulticastMac, Src6, VrrpFrame.IPv6MulticastGroup, v6, flowLabel: 0x12345);
        Assert.True(VrrpFrame.TryParse(buf.AsSpan(0, n), default, out f, out reason), reason.ToString());
        Assert.True(f.IsIPv6);
        Assert.True(IPv6.TryParse(f.Ethernet.Payload, out var ip6, out _));
        Assert.Equal(0x12345u, ip6.FlowLabel);
        Assert.Equal(0xC0, ip6.TrafficClass);
    }

    [Fact]
    public void Frame_parser_reports_ttl_and_ip_problems()
    {
        var buf = new byte[46];
        var msg = new VrrpMessage(VrrpVersion.V3, 51, 150, 100, false, Vip4);
        VrrpFrame.WriteIPv4(buf, Mac, VrrpFrame.IPv4MulticastMac, Src4, VrrpFrame.IPv4MulticastGroup, msg);

        VrrpRejectReason Reject(byte[] frame)
        {
            Assert.False(VrrpFrame.TryParse(frame, default, out _, out var r));
            return r;
        }

        var bad = (byte[])buf.Clone();
        bad[22] = 254; // TTL (header checksum fixed below)
        IPv4.WriteHeader(bad.AsSpan(14), Src4, VrrpFrame.IPv4MulticastGroup, 112, 12, ttl: 254, typeOfService: 0xC0);
        Assert.Equal(VrrpRejectReason.BadTtl, Reject(bad));

        bad = (byte[])buf.Clone();
        bad[24] ^= 1; // IP header checksum
        Assert.Equal(VrrpRejectReason.BadIPHeader, Reject(bad));
        bad = (byte[])buf.Clone();
        bad[12] = 0x86;
        bad[13] = 0xdd;
        Assert.Equal(VrrpRejectReason.BadIPHeader, Reject(bad));
        Assert.Equal(VrrpRejectReason.Truncated, Reject(buf[..10]));
        Assert.Equal(VrrpRejectReason.BadIPHeader, Reject(buf[..40]));

        // Ethernet padding to 60 bytes is ignored thanks to the IP total length.
        var padded = new byte[60];
        buf.CopyTo(padded, 0);
        Assert.True(VrrpFrame.TryParse(padded, default, out _, out _));
    }

    [Fact]
    public void Misuse_throws()
    {
        static VrrpMessage M4(ushort interval = 100) => new(VrrpVersion.V3, 51, 150, interval, false, Vip4);
        static VrrpMessage M6() => new(VrrpVersion.V3, 51, 150, 100, true, Vip6);
        var ex = Assert.Throws<ArgumentException>(() => VrrpFrame.WriteIPv4(new byte[45], Mac, Mac, Src4, Vip4, M4()));
        Assert.Contains("46", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => VrrpFrame.WriteIPv4(new byte[64], Mac, Mac, Src4, Vip4, M6()));
        Assert.Throws<ArgumentException>(() => VrrpFrame.WriteIPv6(new byte[128], Mac, Mac, Src6, Vip6, M4()));
        Assert.Throws<ArgumentException>(() => VrrpFrame.WriteIPv6(new byte[128], Mac, Mac, Src4, Vip6, M6()));
        Assert.Throws<ArgumentException>(() => VrrpFrame.WriteIPv6(new byte[128], Mac, Mac, Src6, Vip6, M6(), flowLabel: 0x100000));
        Assert.Throws<ArgumentException>(() => VrrpFrame.WriteIPv4(new byte[64], Mac, Mac, Src4, Vip4, M4(0)));
    }
}
