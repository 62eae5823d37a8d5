using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Diagnostics;
using VirtualIp.Scheduling;
using static VirtualIp.Balancing.Tests.Forwarding.ForwarderFixture;

namespace VirtualIp.Balancing.Tests.Forwarding;

public sealed class TcpForwarderTests
{
    [Fact]
    public async Task Echoes_through_the_forwarder()
    {
        await using var echo = new EchoServer();
        await using var f = await StartTcpAsync(Options(echo.Address));
        using var c = await ConnectAsync(f.LocalEndPoint);
        await c.SendAsync("hello"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.Equal("hello"u8.ToArray(), await ReceiveExactlyAsync(c, 5));
        Assert.Equal(1, f.Scheduler.Backends[0].InFlight);
        c.Dispose();
        await WaitUntilAsync(() => f.ActiveConnections == 0 && f.Scheduler.Backends[0].InFlight == 0, "the connection is counted out");
    }

    [Fact]
    public async Task Fails_over_to_the_next_backend_when_one_refuses_and_marks_it_down()
    {
        await using var echo = new EchoServer();
        var refusing = EchoServer.RefusingEndPoint();
        var o = Options(refusing.ToString(), echo.Address);
        o.PassiveHealthFailureThreshold = 1;
        var time = new FakeTimeProvider();
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        long failures = 0;
        string? transport = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (ReferenceEquals(i.Meter.Scope, meters) && i.Meter.Name == VirtualIpMeters.Balancing && i.Name == "virtualip.forwarder.connect_failures")
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, v, tags, _) =>
        {
            Interlocked.Add(ref failures, v);
            foreach (var t in tags)
            {
                if (t.Key == "network.transport")
                {
                    transport = (string?)t.Value;
                }
            }
        });
        listener.Start();

        await using var f = await StartTcpAsync(o, time, meters);
        using var c = await ConnectAsync(f.LocalEndPoint); // round robin starts at the refusing backend
        await c.SendAsync("x"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.Equal("x"u8.ToArray(), await ReceiveExactlyAsync(c, 1));
        Assert.Equal(1, Interlocked.Read(ref failures));
        Assert.Equal("tcp", transport);
        var down = f.Scheduler.Backends[0];
        Assert.False(down.IsHealthy);

        // Passive health reactivates after the period (FakeTimeProvider, no sleeping).
        time.Advance(o.PassiveHealthReactivation);
        Assert.True(down.IsHealthy);
    }

    [Fact]
    public async Task Passive_health_needs_the_threshold_within_the_window()
    {
        await using var echo = new EchoServer();
        var refusing = EchoServer.RefusingEndPoint();
        var o = Options(refusing.ToString(), echo.Address);
        o.PassiveHealthFailureThreshold = 2;
        o.PassiveHealthWindow = TimeSpan.FromSeconds(10);
        o.Scheduler = BackendSchedulerNames.RoundRobin;
        var time = new FakeTimeProvider();
        await using var f = await StartTcpAsync(o, time);
        var bad = f.Scheduler.Backends[0];

        using (var c1 = await ConnectAsync(f.LocalEndPoint))
        {
            await c1.SendAsync("a"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
            await ReceiveExactlyAsync(c1, 1); // failure 1 (then failover)
        }

        Assert.True(bad.IsHealthy);
        time.Advance(TimeSpan.FromSeconds(11)); // the window passes: the count starts over

        // Round robin: every connection first tries the bad backend (each failover consumes a turn).
        using (var c2 = await ConnectAsync(f.LocalEndPoint))
        {
            await ReceiveEchoAsync(c2); // failure 1 of the new window
        }

        Assert.True(bad.IsHealthy);
        using (var c3 = await ConnectAsync(f.LocalEndPoint))
        {
            await ReceiveEchoAsync(c3); // failure 2 within the window
        }

        Assert.False(bad.IsHealthy);

        static async Task ReceiveEchoAsync(Socket c)
        {
            await c.SendAsync("b"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
            Assert.Equal("b"u8.ToArray(), await ReceiveExactlyAsync(c, 1));
        }
    }

    [Fact]
    public async Task No_reachable_backend_closes_the_client()
    {
        var o = Options(EchoServer.RefusingEndPoint().ToString());
        await using var f = await StartTcpAsync(o);
        Assert.True(await IsClosedRightAwayAsync(f.LocalEndPoint));
        await WaitUntilAsync(() => f.Rejected == 1, "the client is counted as rejected");
    }

    [Fact]
    public async Task Denied_source_is_closed_at_once_and_counted()
    {
        await using var echo = new EchoServer();
        var o = Options(echo.Address);
        o.DeniedSources.Add("127.0.0.0/8");
        await using var f = await StartTcpAsync(o);
        Assert.True(await IsClosedRightAwayAsync(f.LocalEndPoint));
        await WaitUntilAsync(() => f.Denied == 1, "the denial is counted");
        Assert.Equal(0, echo.Accepted);
    }

    [Fact]
    public async Task Allow_list_admits_only_listed_sources()
    {
        await using var echo = new EchoServer();
        var o = Options(echo.Address);
        o.AllowedSources.Add("198.51.100.0/24");
        await using (var f = await StartTcpAsync(o))
        {
            Assert.True(await IsClosedRightAwayAsync(f.LocalEndPoint));
        }

        var o2 = Options(echo.Address);
        o2.AllowedSources.Add("127.0.0.1/32");
        await using var f2 = await StartTcpAsync(o2);
        using var c2 = await ConnectAsync(f2.LocalEndPoint);
        await c2.SendAsync("ok"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.Equal("ok"u8.ToArray(), await ReceiveExactlyAsync(c2, 2));
    }

    [Fact]
    public async Task Connection_limit_closes_the_extra_client()
    {
        await using var echo = new EchoServer();
        var o = Options(echo.Address);
        o.MaxConnections = 1;
        await using var f = await StartTcpAsync(o);
        using var first = await ConnectAsync(f.LocalEndPoint);
        await first.SendAsync("1"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
        await ReceiveExactlyAsync(first, 1);

        Assert.True(await IsClosedRightAwayAsync(f.LocalEndPoint));
        Assert.Equal(1, f.Rejected);

        first.Dispose();
        await WaitUntilAsync(() => f.ActiveConnections == 0, "the first connection ends");
        using var third = await ConnectAsync(f.LocalEndPoint);
        await third.SendAsync("3"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.Equal("3"u8.ToArray(), await ReceiveExactlyAsync(third, 1));
    }

    [Fact]
    public async Task Half_close_is_propagated_both_ways()
    {
        await using var echo = new EchoServer();
        await using var f = await StartTcpAsync(Options(echo.Address));
        using var c = await ConnectAsync(f.LocalEndPoint);
        var payload = RandomNumberGenerator.GetBytes(100_000);
        await c.SendAsync(payload, SocketFlags.None, TestContext.Current.CancellationToken);
        c.Shutdown(SocketShutdown.Send); // FIN to the forwarder, which must pass it on without closing the reply path

        Assert.Equal(payload, await ReceiveExactlyAsync(c, payload.Length));
        Assert.True(await IsClosedAsync(c)); // the backend's FIN came back through
        await WaitUntilAsync(() => f.ActiveConnections == 0, "the connection ends");
    }

    [Fact]
    public async Task Large_transfer_is_byte_exact()
    {
        await using var echo = new EchoServer();
        await using var f = await StartTcpAsync(Options(echo.Address));
        using var c = await ConnectAsync(f.LocalEndPoint);
        const int Total = 64 * 1024 * 1024;
        var chunk = RandomNumberGenerator.GetBytes(1 << 20);
        var ct = TestContext.Current.CancellationToken;

        var send = Task.Run(
            async () =>
            {
                for (int sent = 0; sent < Total; sent += chunk.Length)
                {
                    await c.SendAsync(chunk, SocketFlags.None, ct);
                }

                c.Shutdown(SocketShutdown.Send);
            },
            ct);

        var buf = new byte[256 * 1024];
        long received = 0;
        while (true)
        {
            int n = await c.ReceiveAsync(buf, SocketFlags.None, ct);
            if (n == 0)
            {
                break;
            }

            for (int i = 0; i < n; i++)
            {
                if (buf[i] != chunk[(int)((received + i) % chunk.Length)])
                {
                    Assert.Fail($"byte {received + i} differs");
                }
            }

            received += n;
        }

        await send;
        Assert.Equal(Total, received);
    }

    [Fact]
    public async Task Drained_backend_gets_no_new_connections_and_finishes_when_its_connections_end()
    {
        await using var a = new EchoServer(prefix: (byte)'A');
        await using var b = new EchoServer(prefix: (byte)'B');
        await using var f = await StartTcpAsync(Options(a.Address, b.Address));
        using var onA = await ConnectAsync(f.LocalEndPoint);
        Assert.Equal((byte)'A', (await ReceiveExactlyAsync(onA, 1))[0]);
        var backendA = f.Scheduler.Backends[0];

        var drain = f.DrainBackendAsync(backendA, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.True(backendA.IsDraining);
        for (int i = 0; i < 3; i++)
        {
            using var other = await ConnectAsync(f.LocalEndPoint);
            Assert.Equal((byte)'B', (await ReceiveExactlyAsync(other, 1))[0]);
        }

        // The existing connection keeps working while draining.
        await onA.SendAsync("still"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.Equal("still"u8.ToArray(), await ReceiveExactlyAsync(onA, 5));
        Assert.False(drain.IsCompleted);
        onA.Dispose();
        Assert.True(await drain.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Drain_timeout_closes_the_remaining_connections()
    {
        await using var a = new EchoServer();
        var time = new FakeTimeProvider();
        await using var f = await StartTcpAsync(Options(a.Address), time);
        using var c = await ConnectAsync(f.LocalEndPoint);
        await c.SendAsync("x"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
        await ReceiveExactlyAsync(c, 1);
        var drain = f.DrainBackendAsync(f.Scheduler.Backends[0], TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.False(drain.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(await drain.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.True(await IsClosedAsync(c));
    }

    [Fact]
    public async Task Stop_refuses_new_clients_and_drains_open_ones_until_the_timeout()
    {
        await using var a = new EchoServer();
        var time = new FakeTimeProvider();
        var o = Options(a.Address);
        o.DrainTimeout = TimeSpan.FromSeconds(30);
        await using var f = await StartTcpAsync(o, time);
        var ep = f.LocalEndPoint;
        using var c = await ConnectAsync(ep);
        await c.SendAsync("x"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
        await ReceiveExactlyAsync(c, 1);

        var stop = f.StopAsync(TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => !CanConnect(ep), "the listener is closed");

        // Still draining: the open connection works.
        await c.SendAsync("y"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.Equal("y"u8.ToArray(), await ReceiveExactlyAsync(c, 1));
        Assert.False(stop.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(30));
        await stop.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.True(await IsClosedAsync(c));

        static bool CanConnect(IPEndPoint ep)
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                s.Connect(ep);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    [Fact]
    public async Task Many_concurrent_connections_are_counted_in_and_out()
    {
        await using var a = new EchoServer();
        await using var b = new EchoServer();
        var o = Options(a.Address, b.Address);
        o.Scheduler = BackendSchedulerNames.RoundRobin;
        await using var f = await StartTcpAsync(o);
        var ct = TestContext.Current.CancellationToken;
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(
            async () =>
            {
                using var c = await ConnectAsync(f.LocalEndPoint);
                var msg = BitConverter.GetBytes(i);
                for (int k = 0; k < 20; k++)
                {
                    await c.SendAsync(msg, SocketFlags.None, ct);
                    Assert.Equal(msg, await ReceiveExactlyAsync(c, 4));
                }
            },
            ct)));
        await WaitUntilAsync(() => f.ActiveConnections == 0, "all connections end");
        Assert.All(f.Scheduler.Backends.AsSpan().ToArray(), x => Assert.Equal(0, x.InFlight));
        Assert.Equal(50, a.Accepted + b.Accepted);
        Assert.Equal(25, a.Accepted);
    }
}
