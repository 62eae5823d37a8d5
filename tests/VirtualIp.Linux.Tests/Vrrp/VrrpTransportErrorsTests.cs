using VirtualIp.Testing;
using System.Net;
using System.Net.Sockets;
using VirtualIp.Linux.Vrrp;
using VirtualIp.Linux.Interop;

namespace VirtualIp.Linux.Tests.Vrrp;

public sealed class VrrpTransportErrorsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(13)]
    public void Permission_errors_say_CAP_NET_RAW(int errno)
    {
        var ex = VrrpTransportErrors.FromErrno("socket(protocol 112)", errno, "eth0", isIPv6: false);
        Assert.Equal(errno, ex.ErrorCode);
        Assert.Equal("eth0", ex.InterfaceName);
        Assert.Contains("CAP_NET_RAW", ex.Hint, StringComparison.Ordinal);
        Assert.Contains("CAP_NET_RAW", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"errno {errno}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("IPv4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ENODEV_names_the_interface()
    {
        var ex = VrrpTransportErrors.FromErrno("if_nametoindex", 19, "bond7", isIPv6: true);
        Assert.Contains("'bond7' does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Contains("IPv6", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(97, "IPv6 is disabled")]
    [InlineData(99, "source address")]
    [InlineData(100, "is down")]
    public void Other_errnos_have_hints(int errno, string expected)
    {
        Assert.Contains(expected, VrrpTransportErrors.HintFor(errno, "eth0", isIPv6: true), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_errno_has_no_hint_but_keeps_the_code()
    {
        var ex = VrrpTransportErrors.FromErrno("setsockopt(IP_TTL)", 1234, "eth0", isIPv6: false);
        Assert.Null(ex.Hint);
        Assert.Equal(1234, ex.ErrorCode);
        Assert.Contains("setsockopt(IP_TTL)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SocketException_maps_to_its_errno()
    {
        var ex = VrrpTransportErrors.FromSocketException("setsockopt(SO_BINDTODEVICE)", new SocketException((int)SocketError.AccessDenied), "eth0", false);
        Assert.Equal(13, ex.ErrorCode);
        Assert.IsType<SocketException>(ex.InnerException);
        Assert.Contains("CAP_NET_RAW", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_interface_throws_ENODEV_naming_it()
    {
        TestEnvironment.Require(OperatingSystem.IsLinux(), "needs Linux");
        var ex = Assert.Throws<VrrpTransportException>(() =>
            LinuxVrrpTransport.Create(new LinuxVrrpTransportOptions { InterfaceName = "nosuchif9" }));
        Assert.Equal(Errno.ENODEV, ex.ErrorCode);
        Assert.Contains("'nosuchif9'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("a/b")]
    [InlineData("sixteen-chars-xx")]
    [InlineData("eth 0")]
    public void Bad_interface_names_are_rejected(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => LinuxVrrpTransport.Create(new LinuxVrrpTransportOptions { InterfaceName = name }));
        Assert.Contains("InterfaceName", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "2001:db8::1")]
    [InlineData(true, "192.0.2.1")]
    [InlineData(false, "224.0.0.18")]
    [InlineData(true, "ff02::12")]
    [InlineData(false, "0.0.0.0")]
    public void Bad_unicast_peers_are_rejected(bool ipv6, string peer)
    {
        var options = new LinuxVrrpTransportOptions { InterfaceName = "eth0", IsIPv6 = ipv6 };
        options.UnicastPeers.Add(IPAddress.Parse(peer));
        var ex = Assert.Throws<ArgumentException>(() => LinuxVrrpTransport.Create(options));
        Assert.Contains(peer, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Source_of_the_wrong_family_is_rejected()
    {
        var options = new LinuxVrrpTransportOptions { InterfaceName = "eth0", SourceAddress = IPAddress.Parse("2001:db8::1") };
        var ex = Assert.Throws<ArgumentException>(() => LinuxVrrpTransport.Create(options));
        Assert.Contains("SourceAddress", ex.Message, StringComparison.Ordinal);
    }

}
