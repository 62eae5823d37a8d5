using VirtualIp.Addressing;

namespace VirtualIp.Abstractions.Tests.Addressing;

public sealed class VipAddressTests
{
    [Theory]
    [InlineData("192.0.2.100/24", "192.0.2.100/24")]
    [InlineData("192.0.2.100", "192.0.2.100/32")]
    [InlineData("2001:db8::100/64", "2001:db8::100/64")]
    [InlineData("2001:db8::100", "2001:db8::100/128")]
    public void Parses(string text, string expected) => Assert.Equal(expected, VipAddress.Parse(text).ToString());

    [Theory]
    [InlineData("192.0.2.100/33")]
    [InlineData("192.0.2.100/")]
    [InlineData("nope/24")]
    [InlineData("2001:db8::1/129")]
    public void Rejects(string text)
    {
        Assert.False(VipAddress.TryParse(text, out _));
        var ex = Assert.Throws<FormatException>(() => VipAddress.Parse(text));
        Assert.Contains(text, ex.Message);
    }
}
