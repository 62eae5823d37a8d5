using System.Net.Sockets;
using VirtualIp.Linux.Interop;
using VirtualIp.Linux.Netlink;

namespace VirtualIp.Linux.Tests.Netlink;

public class NetlinkErrorsTests
{
    [Theory]
    [InlineData(Errno.EPERM)]
    [InlineData(Errno.EACCES)]
    public void PermissionErrors_SayCapNetAdmin(int errno)
    {
        var ex = NetlinkErrors.Create("Adding 192.0.2.1/32 to 'eth0'", "eth0", errno, null);
        Assert.Equal(errno, ex.ErrorCode);
        Assert.Equal("needs CAP_NET_ADMIN (run as root or grant the capability)", ex.Hint);
        Assert.Contains(Errno.Name(errno), ex.Message);
        Assert.Contains("CAP_NET_ADMIN", ex.Message);
    }

    [Fact]
    public void EaccesWithKernelText_ShowsTheTextNotTheCapabilityHint()
    {
        var ex = NetlinkErrors.Create("Adding 2001:db8::1/64 to 'eth0'", "eth0", Errno.EACCES, "IPv6 is disabled on this device");
        Assert.Equal("kernel says: IPv6 is disabled on this device", ex.Hint);
    }

    [Fact]
    public void NoDevice_NamesTheInterface()
    {
        var ex = NetlinkErrors.Create("Adding 192.0.2.1/32 to 'nope0'", "nope0", Errno.ENODEV, null);
        Assert.Equal(Errno.ENODEV, ex.ErrorCode);
        Assert.Equal("interface 'nope0' does not exist", ex.Hint);
    }

    [Fact]
    public void OtherErrors_CarryErrnoNameAndTheKernelsMessage()
    {
        var ex = NetlinkErrors.Create("Adding 2001:db8::1/64 to 'eth0'", "eth0", Errno.EINVAL, "Invalid prefix length");
        Assert.Equal(Errno.EINVAL, ex.ErrorCode);
        Assert.Equal("kernel says: Invalid prefix length", ex.Hint);
        Assert.Contains("EINVAL", ex.Message);
        Assert.Contains("Invalid prefix length", ex.Message);
    }

    [Fact]
    public void OtherErrors_WithoutExtAck_HaveNoHintButTheErrno()
    {
        var ex = NetlinkErrors.Create("Removing 192.0.2.1/32 from 'eth0'", "eth0", Errno.EBUSY, null);
        Assert.Null(ex.Hint);
        Assert.Contains("EBUSY", ex.Message);
        Assert.Contains("(error 16)", ex.Message);
    }

    [Fact]
    public void UnknownErrno_IsNamedByNumber() => Assert.Equal("errno 4242", Errno.Name(4242));

    [Theory]
    [InlineData(SocketError.AccessDenied, Errno.EACCES)]
    [InlineData(SocketError.NoBufferSpaceAvailable, Errno.ENOBUFS)]
    [InlineData(SocketError.NetworkDown, Errno.ENETDOWN)]
    [InlineData(SocketError.AddressNotAvailable, Errno.EADDRNOTAVAIL)]
    public void SocketErrors_MapBackToErrno(SocketError error, int errno) => Assert.Equal(errno, NetlinkClient.ToErrno(error));
}
