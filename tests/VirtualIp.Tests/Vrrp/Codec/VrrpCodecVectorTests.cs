using System.Buffers.Binary;
using VirtualIp.Tests.Frames;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Vrrp.Codec;

public sealed class VrrpCodecVectorTests
{
    public static TheoryData<string> VrrpCaptures => new()
    {
        "vrrp3-ipv4-adverts.pcap", "vrrp3-ipv4-adverts-vmac.pcap", "vrrp3-ipv4-prio0.pcap", "vrrp3-ipv4-prio0-vmac.pcap",
        "vrrp3-ipv4-unicast-adverts.pcap", "vrrp3-ipv4-unicast-prio0.pcap", "vrrp3-ipv4-unicast-full-session.pcap",
        "vrrp3-ipv6-adverts.pcap", "vrrp3-ipv6-adverts-vmac.pcap", "vrrp3-ipv6-prio0.pcap", "vrrp3-ipv6-prio0-vmac.pcap",
        "vrrp2-ipv4-adverts.pcap", "vrrp2-ipv4-prio0.pcap", "vrrp2-ipv4-full-session.pcap",
        "vrrp2-ipv4-auth-pass-adverts.pcap", "vrrp2-ipv4-auth-pass-prio0.pcap", "vrrp2-ipv4-auth-pass-full-session.pcap",
        "full-session.pcap", "full-session-vmac.pcap",
    };

    private static readonly byte[] Password = "secret12"u8.ToArray();

    /// <summary>Splits an untagged Ethernet frame into the VRRP payload and what the receiver knows.</summary>
    internal static (bool IsIPv6, byte Ttl, byte[] Src, byte[] Dst, byte[] Payload)? Split(byte[] frame)
    {
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12));
        if (type == 0x0800 && frame[23] == 112)
        {
            int ihl = (frame[14] & 0xF) * 4;
            int total = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(16));
            return (false, frame[22], frame[26..30], frame[30..34], frame[(14 + ihl)..(14 + total)]);
        }

        if (type == 0x86DD && frame[20] == 112)
        {
            int plen = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(18));
            return (true, frame[21], frame[22..38], frame[38..54], frame[54..(54 + plen)]);
        }

        return null;
    }

    [Theory]
    [MemberData(nameof(VrrpCaptures))]
    public void Keepalived_adverts_decode_and_reencode_byte_exact(string file)
    {
        int seen = 0;
        foreach (var frame in PcapFile.ReadFrames(file))
        {
            if (Split(frame) is not { } p)
            {
                continue;
            }

            seen++;
            bool auth = file.Contains("auth-pass");
            var ctx = new VrrpReceiveContext(p.IsIPv6, p.Ttl, p.Src, p.Dst)
            {
                AuthType = auth ? VrrpAuthType.SimpleText : VrrpAuthType.None,
                AuthData = auth ? Password : default,
            };

            Assert.True(VrrpCodec.TryRead(p.Payload, ctx, out var m, out var reason), $"{file}: {reason}");
            Assert.Equal(VrrpRejectReason.None, reason);
            Assert.Equal(p.IsIPv6 ? (byte)52 : (byte)51, m.VirtualRouterId);
            Assert.Equal(100, m.IntervalCentiseconds);
            Assert.Equal(1, m.AddressCount);
            Assert.True(m.Priority is 150 or 100 or 0, $"priority {m.Priority}");
            Assert.Equal(file.StartsWith("vrrp2", StringComparison.Ordinal) ? VrrpVersion.V2 : VrrpVersion.V3, m.Version);
            if (auth)
            {
                Assert.Equal(Password, m.AuthData.ToArray());
            }

            var rebuilt = new byte[VrrpCodec.GetEncodedLength(m)];
            var copy = new VrrpMessage(m.Version, m.VirtualRouterId, m.Priority, m.IntervalCentiseconds, m.IsIPv6,
                m.Addresses.ToArray(), m.AuthType, m.AuthData.ToArray());
            int n = VrrpCodec.Write(rebuilt, copy, p.Src, p.Dst);
            Assert.Equal(p.Payload.Length, n);
            Assert.Equal(p.Payload, rebuilt);
        }

        Assert.True(seen > 0, $"{file} holds no VRRP frame");
    }

    [Fact]
    public void Keepalived_v3_ipv4_uses_the_pseudo_header_checksum()
    {
        var p = Split(PcapFile.ReadFrames("vrrp3-ipv4-adverts.pcap")[0])!.Value;
        var either = new VrrpReceiveContext(false, 255, p.Src, p.Dst);
        var messageOnly = new VrrpReceiveContext(false, 255, p.Src, p.Dst) { ChecksumMode = VrrpChecksumMode.MessageOnly };
        var pseudo = new VrrpReceiveContext(false, 255, p.Src, p.Dst) { ChecksumMode = VrrpChecksumMode.WithPseudoHeader };
        Assert.True(VrrpCodec.TryRead(p.Payload, either, out _, out _));
        Assert.True(VrrpCodec.TryRead(p.Payload, pseudo, out _, out _));
        Assert.False(VrrpCodec.TryRead(p.Payload, messageOnly, out _, out var reason));
        Assert.Equal(VrrpRejectReason.BadChecksum, reason);

        // Skipping verification (kernel-checked) accepts it under any mode.
        var verified = new VrrpReceiveContext(false, 255, p.Src, p.Dst) { ChecksumMode = VrrpChecksumMode.MessageOnly, ChecksumVerified = true };
        Assert.True(VrrpCodec.TryRead(p.Payload, verified, out _, out _));
    }

    [Fact]
    public void Keepalived_v2_auth_mismatch_is_rejected()
    {
        var p = Split(PcapFile.ReadFrames("vrrp2-ipv4-auth-pass-adverts.pcap")[0])!.Value;
        var wrongPassword = new VrrpReceiveContext(false, 255, p.Src, p.Dst) { AuthType = VrrpAuthType.SimpleText, AuthData = "secret1"u8 };
        var noAuth = new VrrpReceiveContext(false, 255, p.Src, p.Dst);
        Assert.False(VrrpCodec.TryRead(p.Payload, wrongPassword, out _, out var r1));
        Assert.False(VrrpCodec.TryRead(p.Payload, noAuth, out _, out var r2));
        Assert.Equal(VrrpRejectReason.AuthenticationMismatch, r1);
        Assert.Equal(VrrpRejectReason.AuthenticationMismatch, r2);
    }
}
