using System.Net;
using System.Net.Sockets;
using VirtualIp.Balancing.Forwarding;

namespace VirtualIp.Balancing.Tests.Forwarding;

public sealed class SocketErrorClassifierTests
{
    [Theory]
    [InlineData(SocketError.TooManyOpenSockets, true, "too_many_open_sockets")] // EMFILE, ENFILE
    [InlineData(SocketError.NoBufferSpaceAvailable, true, "no_buffer_space")] // ENOBUFS, ENOMEM
    [InlineData(SocketError.AddressNotAvailable, true, "address_not_available")] // EADDRNOTAVAIL
    [InlineData(SocketError.AddressAlreadyInUse, true, "address_in_use")] // EADDRINUSE
    [InlineData(SocketError.WouldBlock, true, "would_block")] // EAGAIN: no ephemeral port
    [InlineData(SocketError.ConnectionRefused, false, "connection_refused")]
    [InlineData(SocketError.ConnectionReset, false, "connection_reset")]
    [InlineData(SocketError.HostUnreachable, false, "host_unreachable")]
    [InlineData(SocketError.NetworkUnreachable, false, "network_unreachable")]
    [InlineData(SocketError.TimedOut, false, "timed_out")]
    [InlineData(SocketError.AccessDenied, false, "other")]
    public void Local_resource_errors_are_told_from_backend_errors(SocketError error, bool local, string name)
    {
        Assert.Equal(local, SocketErrorClassifier.IsLocal(error));
        Assert.Equal(local, SocketErrorClassifier.IsLocal(new SocketException((int)error)));
        Assert.Equal(name, SocketErrorClassifier.Name(error));
    }

    [Fact]
    public void Errors_the_kernel_really_returns_are_classified()
    {
        // EADDRINUSE from a real bind: local.
        using var a = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        a.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var b = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var inUse = Assert.Throws<SocketException>(() => b.Bind(a.LocalEndPoint!));
        Assert.True(SocketErrorClassifier.IsLocal(inUse));

        // ECONNREFUSED (ICMP port unreachable on a connected UDP socket): the backend's.
        using var d = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        d.Connect(EchoServer.RefusingEndPoint());
        d.Send("x"u8);
        var refused = Assert.Throws<SocketException>(() =>
        {
            d.ReceiveTimeout = 5000;
            d.Receive(new byte[16]);
        });
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.False(SocketErrorClassifier.IsLocal(refused));
        Assert.False(SocketErrorClassifier.IsLocal(new InvalidOperationException()));
    }
}
