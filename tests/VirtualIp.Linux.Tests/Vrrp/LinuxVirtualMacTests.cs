using VirtualIp.Linux.Vrrp;

namespace VirtualIp.Linux.Tests.Vrrp;

public sealed class LinuxVirtualMacTests
{
    [Fact]
    public void Default_names_follow_keepalived()
    {
        Assert.Equal("vrrp.51", LinuxVirtualMac.DefaultName(51));
        Assert.Equal("vrrp6.51", LinuxVirtualMac.DefaultName(51, isIPv6: true));
    }

    [Fact]
    public void Bad_vmac_names_are_rejected_before_any_netlink_request()
    {
        Assert.Throws<ArgumentException>(() => LinuxVirtualMac.Create("eth0", 51, name: "much-too-long-name"));
        Assert.Throws<ArgumentException>(() => LinuxVirtualMac.Create("eth0", 51, name: "a/b"));
        Assert.Throws<ArgumentOutOfRangeException>(() => LinuxVirtualMac.Create("eth0", 0));
        Assert.Throws<ArgumentException>(() => LinuxVirtualMac.Create(" ", 51));
    }
}
