using VirtualIp.Linux.Vrrp;

namespace VirtualIp.Linux.Tests.Vrrp;

public sealed class Ipv4DatagramReaderTests
{
    // A keepalived VRRPv3 advert as received on a raw socket: 20-byte IPv4 header (TTL 255, proto 112) + 12-byte payload.
    private static byte[] Datagram(byte versionIhl = 0x45, byte ttl = 255, ushort? totalLength = null, int options = 0)
    {
        var headerLength = 20 + options;
        var payload = new byte[] { 0x31, 0x33, 0x96, 0x01, 0x00, 0x64, 0x12, 0x34, 192, 0, 2, 100 };
        var d = new byte[headerLength + payload.Length];
        d[0] = versionIhl;
        var total = totalLength ?? (ushort)d.Length;
        d[2] = (byte)(total >> 8);
        d[3] = (byte)total;
        d[8] = ttl;
        d[9] = 112;
        new byte[] { 192, 0, 2, 1 }.CopyTo(d, 12);
        new byte[] { 224, 0, 0, 18 }.CopyTo(d, 16);
        payload.CopyTo(d, headerLength);
        return d;
    }

    [Fact]
    public void Reads_ttl_addresses_and_payload()
    {
        var d = Datagram(ttl: 255);
        Assert.True(Ipv4DatagramReader.TryRead(d, out var ttl, out var src, out var dst, out var payload, out var reason));
        Assert.Equal(ReceiveDropReason.None, reason);
        Assert.Equal(255, ttl);
        Assert.Equal(new byte[] { 192, 0, 2, 1 }, src.ToArray());
        Assert.Equal(new byte[] { 224, 0, 0, 18 }, dst.ToArray());
        Assert.Equal(12, payload.Length);
        Assert.Equal(0x31, payload[0]);
    }

    [Fact]
    public void Honours_ihl_with_options()
    {
        var d = Datagram(versionIhl: 0x46, options: 4);
        Assert.True(Ipv4DatagramReader.TryRead(d, out _, out _, out _, out var payload, out _));
        Assert.Equal(12, payload.Length);
        Assert.Equal(0x31, payload[0]);
    }

    [Fact]
    public void Low_ttl_is_reported_not_rejected()
    {
        Assert.True(Ipv4DatagramReader.TryRead(Datagram(ttl: 1), out var ttl, out _, out _, out _, out _));
        Assert.Equal(1, ttl);
    }

    [Fact]
    public void Trailing_padding_beyond_total_length_is_cut()
    {
        var d = Datagram();
        var padded = d.Concat(new byte[14]).ToArray();
        Assert.True(Ipv4DatagramReader.TryRead(padded, out _, out _, out _, out var payload, out _));
        Assert.Equal(12, payload.Length);
    }

    [Fact]
    public void Total_length_beyond_datagram_uses_what_arrived()
    {
        var d = Datagram(totalLength: 1000);
        Assert.True(Ipv4DatagramReader.TryRead(d, out _, out _, out _, out var payload, out _));
        Assert.Equal(12, payload.Length);
    }

    [Theory]
    [InlineData(0, (int)ReceiveDropReason.Truncated)]
    [InlineData(19, (int)ReceiveDropReason.Truncated)]
    public void Short_datagrams_are_rejected(int length, int expected)
    {
        var d = Datagram().AsSpan(0, length).ToArray();
        Assert.False(Ipv4DatagramReader.TryRead(d, out _, out _, out _, out _, out var reason));
        Assert.Equal((ReceiveDropReason)expected, reason);
    }

    [Theory]
    [InlineData(0x65, (int)ReceiveDropReason.NotIPv4)]
    [InlineData(0x44, (int)ReceiveDropReason.BadHeaderLength)]
    [InlineData(0x40, (int)ReceiveDropReason.BadHeaderLength)]
    [InlineData(0x4F, (int)ReceiveDropReason.Truncated)]
    public void Bad_version_or_ihl_is_rejected(byte versionIhl, int expected)
    {
        Assert.False(Ipv4DatagramReader.TryRead(Datagram(versionIhl: versionIhl), out _, out _, out _, out _, out var reason));
        Assert.Equal((ReceiveDropReason)expected, reason);
    }

    [Fact]
    public void Total_length_below_header_is_rejected()
    {
        Assert.False(Ipv4DatagramReader.TryRead(Datagram(totalLength: 10), out _, out _, out _, out _, out var reason));
        Assert.Equal(ReceiveDropReason.BadTotalLength, reason);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var rng = new Random(112);
        var buffer = new byte[80];
        for (var i = 0; i < 20_000; i++)
        {
            var len = rng.Next(buffer.Length + 1);
            rng.NextBytes(buffer);
            if (Ipv4DatagramReader.TryRead(buffer.AsSpan(0, len), out _, out var src, out var dst, out var payload, out _))
            {
                Assert.Equal(4, src.Length);
                Assert.Equal(4, dst.Length);
                Assert.True(payload.Length <= len - 20);
            }
        }
    }
}
