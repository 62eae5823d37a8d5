using VirtualIp.Addressing;

namespace VirtualIp.Abstractions.Tests.Addressing;

public sealed class MacAddressTests
{
    [Theory]
    [InlineData("02:00:00:00:00:01")]
    [InlineData("02-00-00-00-00-01")]
    [InlineData("020000000001")]
    public void Parses_common_notations(string text)
    {
        var mac = MacAddress.Parse(text);
        Assert.Equal("02:00:00:00:00:01", mac.ToString());
        Assert.False(mac.IsMulticast);
    }

    [Theory]
    [InlineData("")]
    [InlineData("02:00:00:00:00")]
    [InlineData("02:00:00:00:00:01:02")]
    [InlineData("zz:00:00:00:00:01")]
    public void Rejects_malformed_text(string text) => Assert.False(MacAddress.TryParse(text, out _));

    [Fact]
    public void Virtual_router_macs_follow_rfc9568()
    {
        Assert.Equal("00:00:5e:00:01:33", MacAddress.ForVirtualRouter(51).ToString());
        Assert.Equal("00:00:5e:00:02:34", MacAddress.ForVirtualRouter(52, ipv6: true).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => MacAddress.ForVirtualRouter(0));
    }

    [Fact]
    public void Round_trips_through_bytes()
    {
        Span<byte> b = stackalloc byte[6];
        var mac = MacAddress.Parse("a2:f5:b4:68:90:68");
        mac.WriteTo(b);
        Assert.Equal(mac, new MacAddress(b));
        Assert.True(MacAddress.Broadcast.IsBroadcast);
        Assert.True(MacAddress.Broadcast.IsMulticast);
    }

    [Fact]
    public void Solicited_node_multicast_mac()
    {
        var group = System.Net.IPAddress.Parse("ff02::1:ff00:100").GetAddressBytes();
        Assert.Equal("33:33:ff:00:01:00", MacAddress.ForIPv6Multicast(group).ToString());
    }
}
