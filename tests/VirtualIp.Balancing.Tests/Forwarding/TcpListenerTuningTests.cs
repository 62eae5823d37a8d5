using System.Net;
using System.Net.Sockets;
using VirtualIp.Balancing.Forwarding;
using static VirtualIp.Balancing.Tests.Forwarding.ForwarderFixture;

namespace VirtualIp.Balancing.Tests.Forwarding;

/// <summary>
/// Listener tuning of the TCP forwarder (issue #12, speed): on Linux one SO_REUSEPORT listener per accept loop, the
/// port still exclusive to the forwarder, and TCP_NODELAY on both sides of every connection (inherited from the
/// listener on the client side, set on the backend socket).
/// </summary>
public sealed class TcpListenerTuningTests
{
    [Fact]
    public async Task Linux_forwarder_listens_on_one_reuseport_socket_per_accept_loop()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "SO_REUSEPORT listeners are used on Linux only");
        await using var echo = new EchoServer();
        await using var f = await StartTcpAsync(Options(echo.Address));
        int loops = Math.Clamp(Environment.ProcessorCount, 2, 8);
        Assert.Equal(loops, f.Listeners.Count);
        Assert.All(f.Listeners, l => Assert.Equal(f.LocalEndPoint, l.LocalEndPoint));
        await WaitUntilAsync(() => RunningLoops(f) == loops, "one accept loop per listener");

        // Connections spread over the listeners are all served.
        for (int i = 0; i < loops * 4; i++)
        {
            using var c = await ConnectAsync(f.LocalEndPoint);
            await c.SendAsync(new byte[] { 7 }.AsMemory(), SocketFlags.None, TestContext.Current.CancellationToken);
            Assert.Equal(7, (await ReceiveExactlyAsync(c, 1))[0]);
        }
    }

    [Fact]
    public async Task A_port_in_use_still_fails_to_start()
    {
        await using var echo = new EchoServer();
        await using var first = await StartTcpAsync(Options(echo.Address));
        var o = Options(echo.Address);
        o.Listen = first.LocalEndPoint.ToString();
        var ex = await Assert.ThrowsAsync<SocketException>(() => StartTcpAsync(o));
        Assert.Equal(SocketError.AddressAlreadyInUse, ex.SocketErrorCode);
    }

    [Fact]
    public async Task Both_sides_of_a_connection_have_nodelay()
    {
        await using var echo = new EchoServer();
        await using var f = await StartTcpAsync(Options(echo.Address));
        using var c = await ConnectAsync(f.LocalEndPoint);
        await c.SendAsync(new byte[] { 1 }.AsMemory(), SocketFlags.None, TestContext.Current.CancellationToken);
        await ReceiveExactlyAsync(c, 1);
        var sides = new List<bool>();
        f.Connections.ForEach(static (conn, list) =>
        {
            list.Add(conn.HasNoDelay());
            return true;
        }, sides);
        Assert.Equal([true], sides);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.True(condition(), what);
    }
}
