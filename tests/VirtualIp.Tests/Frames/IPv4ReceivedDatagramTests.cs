using System.Buffers.Binary;
using VirtualIp.Frames;

namespace VirtualIp.Tests.Frames;

/// <summary>
/// <see cref="IPv4.TryParse"/> on datagrams as a Linux raw IPv4 socket hands them to the VRRP transport (header
/// included, tot_len in network order, checksum intact). These cases moved here with the transport's own parser
/// (VirtualIp.Linux Ipv4DatagramReader), which the engine's parser replaced.
/// </summary>
public sealed class IPv4ReceivedDatagramTests
{
    // A keepalived VRRPv3 advert as received on a raw socket: 20-byte IPv4 header (TTL 255, proto 112) + 12-byte payload.
    private static byte[] Datagram(byte versionIhl = 0x45, byte ttl = 255, ushort? totalLength = null, int options = 0, bool checksum = true)
    {
        var headerLength = 20 + options;
        var payload = new byte[] { 0x31, 0x33, 0x96, 0x01, 0x00, 0x64, 0x12, 0x34, 192, 0, 2, 100 };
        var d = new byte[headerLength + payload.Length];
        d[0] = versionIhl;
        var total = totalLength ?? (ushort)d.Length;
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(2), total);
        d[8] = ttl;
        d[9] = 112;
        new byte[] { 192, 0, 2, 1 }.CopyTo(d, 12);
        new byte[] { 224, 0, 0, 18 }.CopyTo(d, 16);
        payload.CopyTo(d, headerLength);
        int ihl = Math.Min((versionIhl & 0x0F) * 4, d.Length);
        if (checksum && ihl >= 20)
        {
            BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(10), InternetChecksum.Compute(d.AsSpan(0, ihl)));
        }

        return d;
    }

    [Fact]
    public void Reads_ttl_addresses_and_payload()
    {
        Assert.True(IPv4.TryParse(Datagram(ttl: 255), out var ip, out var reason));
        Assert.Equal(FrameRejectReason.None, reason);
        Assert.Equal(255, ip.Ttl);
        Assert.Equal(new byte[] { 192, 0, 2, 1 }, ip.SourceAddress.ToArray());
        Assert.Equal(new byte[] { 224, 0, 0, 18 }, ip.DestinationAddress.ToArray());
        Assert.Equal(12, ip.Payload.Length);
        Assert.Equal(0x31, ip.Payload[0]);
    }

    [Fact]
    public void Honours_ihl_with_options()
    {
        Assert.True(IPv4.TryParse(Datagram(versionIhl: 0x46, options: 4), out var ip, out _));
        Assert.Equal(12, ip.Payload.Length);
        Assert.Equal(0x31, ip.Payload[0]);
    }

    [Fact]
    public void Low_ttl_is_reported_not_rejected()
    {
        Assert.True(IPv4.TryParse(Datagram(ttl: 1), out var ip, out _));
        Assert.Equal(1, ip.Ttl);
    }

    [Fact]
    public void Trailing_padding_beyond_total_length_is_cut()
    {
        var padded = Datagram().Concat(new byte[14]).ToArray();
        Assert.True(IPv4.TryParse(padded, out var ip, out _));
        Assert.Equal(12, ip.Payload.Length);
    }

    [Fact]
    public void Total_length_beyond_datagram_is_rejected_as_truncated()
    {
        // Behaviour moved: the transport's parser used what arrived; the kernel never delivers a datagram shorter than
        // its tot_len (ip_rcv drops it) and the 64 KiB buffer truncates nothing, so such bytes are forged: dropped.
        Assert.False(IPv4.TryParse(Datagram(totalLength: 1000), out _, out var reason));
        Assert.Equal(FrameRejectReason.Truncated, reason);
    }

    [Fact]
    public void Bad_header_checksum_is_rejected()
    {
        // Behaviour moved: the engine's parser verifies the header checksum (the kernel already did for real packets).
        Assert.False(IPv4.TryParse(Datagram(checksum: false), out _, out var reason));
        Assert.Equal(FrameRejectReason.BadIPHeaderChecksum, reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(19)]
    public void Short_datagrams_are_rejected(int length)
    {
        Assert.False(IPv4.TryParse(Datagram().AsSpan(0, length), out _, out var reason));
        Assert.Equal(FrameRejectReason.Truncated, reason);
    }

    [Theory]
    [InlineData(0x65, (int)FrameRejectReason.BadIPVersion)]
    [InlineData(0x44, (int)FrameRejectReason.BadIPHeaderLength)]
    [InlineData(0x40, (int)FrameRejectReason.BadIPHeaderLength)]
    [InlineData(0x4F, (int)FrameRejectReason.BadIPHeaderLength)]
    public void Bad_version_or_ihl_is_rejected(byte versionIhl, int expected)
    {
        Assert.False(IPv4.TryParse(Datagram(versionIhl: versionIhl), out _, out var reason));
        Assert.Equal((FrameRejectReason)expected, reason);
    }

    [Fact]
    public void Total_length_below_header_is_rejected()
    {
        Assert.False(IPv4.TryParse(Datagram(totalLength: 10), out _, out var reason));
        Assert.Equal(FrameRejectReason.BadIPLength, reason);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var rng = new Random(112);
        var buffer = new byte[80];
        var accepted = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var len = rng.Next(buffer.Length + 1);
            rng.NextBytes(buffer);
            if (i % 2 == 0 && len >= 20)
            {
                // Half the cases get a plausible header so the deeper checks run too.
                buffer[0] = 0x45;
                BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)rng.Next(len + 1));
                buffer[10] = buffer[11] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(10), InternetChecksum.Compute(buffer.AsSpan(0, 20)));
            }

            if (IPv4.TryParse(buffer.AsSpan(0, len), out var ip, out _))
            {
                accepted++;
                Assert.Equal(4, ip.SourceAddress.Length);
                Assert.Equal(4, ip.DestinationAddress.Length);
                Assert.True(ip.Payload.Length <= len - 20);
            }
        }

        Assert.True(accepted > 0);
    }
}
