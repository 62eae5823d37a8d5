using VirtualIp.Linux.Netlink;

namespace VirtualIp.Linux.Tests.Netlink;

public sealed class OwnershipMarkTests
{
    [Theory]
    [InlineData("4.19.0", false)]
    [InlineData("5.15.0", false)]
    [InlineData("5.17.15", false)]
    [InlineData("5.18.0", true)]
    [InlineData("6.1.0", true)]
    [InlineData("6.18.44.1272", true)]
    public void The_mark_needs_Linux_5_18(string kernel, bool kept) =>
        Assert.Equal(kept, OwnershipMark.IsKeptBy(Version.Parse(kernel)));

    [Fact]
    public void The_mark_is_V()
    {
        Assert.Equal((byte)'V', OwnershipMark.Value);
        Assert.Equal(new Version(5, 18), OwnershipMark.FirstKernel);
    }
}
