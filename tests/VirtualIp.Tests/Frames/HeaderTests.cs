using System.Buffers.Binary;
using VirtualIp.Addressing;
using VirtualIp.Frames;

namespace VirtualIp.Tests.Frames;

public sealed class HeaderTests
{
    private static ushort ReferenceChecksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += (uint)(data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0u);
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    [Fact]
    public void Checksum_matches_the_rfc1071_reference_for_every_length()
    {
        var rng = new Random(1071);
        var buf = new byte[2000];
        for (int i = 0; i < 4000; i++)
        {
            int len = i < 200 ? i : rng.Next(buf.Length);
            if (i % 3 == 0)
            {
                buf.AsSpan().Fill(0xFF);
            }
            else
            {
                rng.NextBytes(buf);
            }

            Assert.Equal(ReferenceChecksum(buf.AsSpan(0, len)), InternetChecksum.Compute(buf.AsSpan(0, len)));
        }

        // Split into even pieces gives the same result.
        rng.NextBytes(buf);
        ulong partial = InternetChecksum.Accumulate(buf.AsSpan(0, 40), 0);
        partial = InternetChecksum.Accumulate(buf.AsSpan(40, 1001), partial);
        Assert.Equal(ReferenceChecksum(buf.AsSpan(0, 1041)), InternetChecksum.Finish(partial));
    }

    [Fact]
    public void Checksum_verifies_a_known_ipv4_header()
    {
        // keepalived's first VRRPv3 advert: IP header checksum 0x188f.
        byte[] header = [0x45, 0xc0, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x18, 0x8f, 0xc0, 0x00, 0x02, 0x0b, 0xe0, 0x00, 0x00, 0x12];
        Assert.True(InternetChecksum.Verify(header));
        var ours = new byte[20];
        IPv4.WriteHeader(ours, header.AsSpan(12, 4), header.AsSpan(16, 4), 112, 12, ttl: 255, typeOfService: 0xc0, identification: 1);
        Assert.Equal(header, ours);
    }

    [Fact]
    public void Ethernet_header_with_and_without_tag()
    {
        var buf = new byte[18];
        var src = MacAddress.Parse("02:00:00:00:00:01");
        Assert.Equal(14, Ethernet.WriteHeader(buf, MacAddress.Broadcast, src, EtherType.Arp));
        Assert.True(Ethernet.TryParse(buf.AsSpan(0, 14), out var h, out _));
        Assert.Null(h.Vlan);
        Assert.Equal(14, h.Length);
        Assert.Equal(EtherType.Arp, h.EtherType);
        Assert.True(h.Payload.IsEmpty);

        var tag = new VlanTag(4094, 7) { DropEligible = true };
        Assert.Equal(18, Ethernet.WriteHeader(buf, MacAddress.Broadcast, src, EtherType.IPv6, tag));
        Assert.Equal(0xFFFE, BinaryPrimitives.ReadUInt16BigEndian(buf.AsSpan(14)));
        Assert.True(Ethernet.TryParse(buf, out h, out _));
        Assert.Equal(tag, h.Vlan);
        Assert.Equal(18, h.Length);
        Assert.Equal(EtherType.IPv6, h.EtherType);
        Assert.Equal(src, h.Source);

        Assert.False(Ethernet.TryParse(buf.AsSpan(0, 16), out _, out var r));
        Assert.Equal(FrameRejectReason.Truncated, r);
        BinaryPrimitives.WriteUInt16BigEndian(buf.AsSpan(16), EtherType.Vlan);
        Assert.False(Ethernet.TryParse(buf, out _, out r));
        Assert.Equal(FrameRejectReason.UnexpectedEtherType, r);
        Assert.Throws<ArgumentException>(() => Ethernet.WriteHeader(new byte[17], MacAddress.Broadcast, src, 0x0800, new VlanTag(1)));
        Assert.Equal(MacAddress.Parse("01:00:5e:7f:00:01"), Ethernet.IPv4MulticastMac([239, 255, 0, 1]));
    }

    [Fact]
    public void IPv4_header_round_trip_and_rejections()
    {
        var buf = new byte[60];
        byte[] s = [198, 51, 100, 7];
        byte[] d = [192, 0, 2, 9];
        IPv4.WriteHeader(buf, s, d, 17, 20, ttl: 9, typeOfService: 0x10, identification: 0xBEEF, dontFragment: true);
        Assert.True(IPv4.TryParse(buf.AsSpan(0, 40), out var h, out _));
        Assert.Equal(20, h.HeaderLength);
        Assert.Equal(40, h.TotalLength);
        Assert.Equal(20, h.Payload.Length);
        Assert.Equal(9, h.Ttl);
        Assert.Equal(17, h.Protocol);
        Assert.Equal(0x10, h.TypeOfService);
        Assert.Equal(0xBEEF, h.Identification);
        Assert.True(h.DontFragment);
        Assert.False(h.IsFragment);
        Assert.Equal(s, h.SourceAddress.ToArray());
        Assert.Equal(d, h.DestinationAddress.ToArray());
        Assert.True(h.Options.IsEmpty);

        Assert.True(IPv4.TryParse(buf, out h, out _)); // trailing padding is cut off
        Assert.Equal(20, h.Payload.Length);

        FrameRejectReason Reject(byte[] p)
        {
            Assert.False(IPv4.TryParse(p, out _, out var r));
            return r;
        }

        Assert.Equal(FrameRejectReason.Truncated, Reject(buf[..19]));
        Assert.Equal(FrameRejectReason.Truncated, Reject(buf[..39]));
        var bad = (byte[])buf.Clone();
        bad[0] = 0x65;
        Assert.Equal(FrameRejectReason.BadIPVersion, Reject(bad));
        bad = (byte[])buf.Clone();
        bad[0] = 0x44;
        Assert.Equal(FrameRejectReason.BadIPHeaderLength, Reject(bad));
        bad = (byte[])buf.Clone();
        bad[8] = 10;
        Assert.Equal(FrameRejectReason.BadIPHeaderChecksum, Reject(bad));
        bad = (byte[])buf.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(bad.AsSpan(2), 10);
        Assert.Equal(FrameRejectReason.BadIPLength, Reject(bad));
        Assert.Throws<ArgumentException>(() => IPv4.WriteHeader(new byte[19], s, d, 1, 0));
        Assert.Throws<ArgumentException>(() => IPv4.WriteHeader(new byte[20], s, d, 1, 65516));
    }

    [Fact]
    public void IPv6_header_round_trip_and_rejections()
    {
        var buf = new byte[64];
        var s = System.Net.IPAddress.Parse("2001:db8::1").GetAddressBytes();
        var d = System.Net.IPAddress.Parse("ff02::12").GetAddressBytes();
        Assert.Equal(40, IPv6.WriteHeader(buf, s, d, 112, 24, hopLimit: 255, trafficClass: 0xc0, flowLabel: 0x02986));
        Assert.Equal(new byte[] { 0x6c, 0x00, 0x29, 0x86, 0x00, 0x18, 0x70, 0xff }, buf[..8]);
        Assert.True(IPv6.TryParse(buf, out var h, out _));
        Assert.Equal(24, h.Payload.Length);
        Assert.Equal(0xc0, h.TrafficClass);
        Assert.Equal(0x02986u, h.FlowLabel);
        Assert.Equal(112, h.NextHeader);
        Assert.Equal(255, h.HopLimit);
        Assert.Equal(24, h.PayloadLength);
        Assert.Equal(s, h.SourceAddress.ToArray());
        Assert.Equal(d, h.DestinationAddress.ToArray());
        Assert.False(IPv6.TryParse(buf.AsSpan(0, 63), out _, out var r));
        Assert.Equal(FrameRejectReason.Truncated, r);
        buf[0] = 0x4c;
        Assert.False(IPv6.TryParse(buf, out _, out r));
        Assert.Equal(FrameRejectReason.BadIPVersion, r);
        Assert.Throws<ArgumentException>(() => IPv6.WriteHeader(new byte[39], s, d, 1, 0));
        Assert.Throws<ArgumentException>(() => IPv6.WriteHeader(new byte[40], s, d, 1, 0, flowLabel: 1 << 20));
        Assert.Throws<ArgumentException>(() => IPv6.WriteHeader(new byte[40], s.AsSpan(0, 4), d, 1, 0));
    }
}
