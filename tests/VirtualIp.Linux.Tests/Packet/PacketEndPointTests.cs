using VirtualIp.Testing;
using System.Net.Sockets;
using VirtualIp.Linux.Interop;
using VirtualIp.Linux.Packet;

namespace VirtualIp.Linux.Tests.Packet;

public class PacketEndPointTests
{
    [Fact]
    public void Serialize_WritesSockaddrLl()
    {
        var sa = new PacketEndPoint(7, 0x0806).Serialize();
        Assert.Equal(AddressFamily.Packet, sa.Family);
        Assert.Equal(PacketEndPoint.Size, sa.Size);
        var b = sa.Buffer.Span;
        Assert.Equal(new byte[] { 0x08, 0x06 }, b[2..4].ToArray()); // sll_protocol, network order
        Assert.Equal(new byte[] { 7, 0, 0, 0 }, b[4..8].ToArray()); // sll_ifindex, host order
        var back = (PacketEndPoint)new PacketEndPoint(1).Create(sa);
        Assert.Equal(7, back.InterfaceIndex);
        Assert.Equal(0x0806, back.Protocol);
    }

    [Fact]
    public void InvalidIndex_Throws() => Assert.Throws<ArgumentOutOfRangeException>(() => new PacketEndPoint(0));

    [Fact]
    public void PermissionDenied_MapsToCapNetRawHint()
    {
        var ex = AfPacketFrameSender.Map(new SocketException((int)SocketError.AccessDenied), "Opening", "eth0");
        Assert.Equal(Errno.EPERM, ex.ErrorCode);
        Assert.Contains("CAP_NET_RAW", ex.Hint);
    }

    [Fact]
    public void NetworkDown_SaysTheInterfaceIsDown()
    {
        var ex = AfPacketFrameSender.Map(new SocketException((int)SocketError.NetworkDown), "Sending", "eth0");
        Assert.Equal(Errno.ENETDOWN, ex.ErrorCode);
        Assert.Equal("interface 'eth0' is down", ex.Hint);
    }

    [Fact]
    public void UnknownInterface_IsATypedError()
    {
        TestEnvironment.Require(OperatingSystem.IsLinux(), "needs Linux");
        var ex = Assert.Throws<FrameSenderException>(() => new AfPacketFrameSender("nosuchif0"));
        Assert.Equal(Errno.ENODEV, ex.ErrorCode);
        Assert.Contains("nosuchif0", ex.Message);
    }

    [Fact]
    public void NetlinkEndPoint_SerializesSockaddrNl()
    {
        var sa = new VirtualIp.Linux.Netlink.NetlinkEndPoint(0x1234, 0x11).Serialize();
        var b = sa.Buffer.Span;
        Assert.Equal(12, sa.Size);
        Assert.Equal(new byte[] { 16, 0, 0, 0, 0x34, 0x12, 0, 0, 0x11, 0, 0, 0 }, b[..12].ToArray());
    }
}
