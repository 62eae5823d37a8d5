using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Diagnostics;
using static VirtualIp.Balancing.Tests.Forwarding.ForwarderFixture;

namespace VirtualIp.Balancing.Tests.Forwarding;

/// <summary>Issue #12 item 2 (TCP): timeouts, per-source limits, supervised accept loops, local errors. Real sockets on loopback.</summary>
public sealed class TcpAbuseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Silent_client_is_closed_at_the_first_byte_timeout_without_touching_a_backend()
    {
        await using var echo = new EchoServer();
        var o = Options(echo.Address);
        o.TcpWaitForClientData = true;
        o.TcpFirstByteTimeout = TimeSpan.FromSeconds(5);
        var time = new FakeTimeProvider();
        await using var counts = new ForwarderCounts();
        await using var f = await StartTcpAsync(o, time, counts.Meters);
        using var c = await ConnectAsync(f.LocalEndPoint);
        // In the table, not only counted: the connection stamps its start before it takes a slot, and a fake-clock
        // advance between the count and the slot would leave it a fresh stamp (seen under load).
        await WaitUntilAsync(() => f.Connections.ForEach(static (_, _) => true, 0) == 1, "the client is admitted");
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(1, f.ActiveConnections);
        time.Advance(f.Connections.Period + TimeSpan.FromMilliseconds(200));
        Assert.True(await IsClosedAsync(c));
        await WaitUntilAsync(() => f.Refusals(TcpRefusal.FirstByteTimeout) == 1 && f.ActiveConnections == 0, "the timeout is counted");
        Assert.Equal(0, echo.Accepted);
        Assert.Equal(1, counts.Get("virtualip.forwarder.refused", "first_byte_timeout"));

        // A client that speaks is connected and served.
        using var d = await ConnectAsync(f.LocalEndPoint);
        await d.SendAsync("hi"u8.ToArray(), SocketFlags.None, Ct);
        Assert.Equal("hi"u8.ToArray(), await ReceiveExactlyAsync(d, 2));
        Assert.Equal(1, echo.Accepted);
    }

    [Fact]
    public async Task Slow_client_trickling_one_byte_per_second_is_cut_at_the_idle_timeout()
    {
        await using var echo = new EchoServer();
        var o = Options(echo.Address);
        o.TcpIdleTimeout = TimeSpan.FromSeconds(3);
        var time = new FakeTimeProvider();
        await using var counts = new ForwarderCounts();
        await using var f = await StartTcpAsync(o, time, counts.Meters);
        using var c = await ConnectAsync(f.LocalEndPoint);

        // One byte per second stays under a 3 s idle timeout: served.
        for (int i = 0; i < 5; i++)
        {
            await c.SendAsync(new[] { (byte)i }, SocketFlags.None, Ct);
            Assert.Equal(i, (await ReceiveExactlyAsync(c, 1))[0]);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        // A gap longer than the timeout: cut within one sweep period of it.
        time.Advance(TimeSpan.FromSeconds(2) + f.Connections.Period + f.Connections.Period);
        Assert.True(await IsClosedAsync(c));
        await WaitUntilAsync(() => counts.Get("virtualip.forwarder.timeouts", "idle") == 1, "the idle timeout is counted");
        await WaitUntilAsync(() => f.ActiveConnections == 0 && f.Scheduler.Backends[0].InFlight == 0, "the connection is counted out");
    }

    [Fact]
    public async Task Half_closed_connection_is_cut_at_the_half_close_timeout()
    {
        // A backend that accepts and never answers nor closes.
        using var mute = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        mute.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        mute.Listen(8);
        var o = Options(mute.LocalEndPoint!.ToString()!);
        o.TcpHalfCloseTimeout = TimeSpan.FromSeconds(2);
        var time = new FakeTimeProvider();
        await using var counts = new ForwarderCounts();
        await using var f = await StartTcpAsync(o, time, counts.Meters);
        using var c = await ConnectAsync(f.LocalEndPoint);
        using var server = await mute.AcceptAsync(Ct);
        await c.SendAsync("q"u8.ToArray(), SocketFlags.None, Ct);
        c.Shutdown(SocketShutdown.Send);
        var one = new byte[8];
        Assert.Equal(1, await server.ReceiveAsync(one, SocketFlags.None, Ct));
        Assert.Equal(0, await server.ReceiveAsync(one, SocketFlags.None, Ct)); // the FIN was propagated
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, f.ActiveConnections);
        time.Advance(TimeSpan.FromSeconds(1) + f.Connections.Period + f.Connections.Period);
        Assert.True(await IsClosedAsync(c));
        await WaitUntilAsync(() => counts.Get("virtualip.forwarder.timeouts", "half_close") == 1, "the half-close timeout is counted");
    }

    [Fact]
    public async Task Per_source_limit_refuses_one_source_beyond_it_and_serves_others()
    {
        await using var echo = new EchoServer();
        var o = Options(echo.Address);
        o.TcpMaxConnectionsPerSource = 2;
        await using var counts = new ForwarderCounts();
        await using var f = await StartTcpAsync(o, meters: counts.Meters);
        using var a1 = await EchoedAsync(f.LocalEndPoint, IPAddress.Loopback);
        using var a2 = await EchoedAsync(f.LocalEndPoint, IPAddress.Loopback);
        Assert.True(await IsClosedRightAwayAsync(f.LocalEndPoint));
        Assert.Equal(1, f.Refusals(TcpRefusal.SourceLimit));
        Assert.Equal(1, counts.Get("virtualip.forwarder.refused", "source_session_limit"));
        using var b1 = await EchoedAsync(f.LocalEndPoint, IPAddress.Parse("127.0.0.2"));
        a1.Dispose();
        await WaitUntilAsync(() => f.Sources.CountOf(IPAddress.Loopback) == 1, "the source's count goes down");
        using var a3 = await EchoedAsync(f.LocalEndPoint, IPAddress.Loopback);
    }

    [Fact]
    public async Task Per_source_rate_limit_is_a_token_bucket()
    {
        await using var echo = new EchoServer();
        var o = Options(echo.Address);
        o.TcpConnectionRatePerSource = 1;
        o.TcpConnectionRateBurstPerSource = 2;
        var time = new FakeTimeProvider();
        await using var f = await StartTcpAsync(o, time);
        using var a1 = await EchoedAsync(f.LocalEndPoint, IPAddress.Loopback);
        using var a2 = await EchoedAsync(f.LocalEndPoint, IPAddress.Loopback);
        Assert.True(await IsClosedRightAwayAsync(f.LocalEndPoint));
        Assert.Equal(1, f.Refusals(TcpRefusal.SourceRate));
        using var b = await EchoedAsync(f.LocalEndPoint, IPAddress.Parse("127.0.0.3")); // other sources have their own bucket
        time.Advance(TimeSpan.FromSeconds(1));
        using var a3 = await EchoedAsync(f.LocalEndPoint, IPAddress.Loopback);
    }

    [Fact]
    public async Task Failed_accept_loops_are_restarted_logged_and_counted()
    {
        await using var echo = new EchoServer();
        await using var counts = new ForwarderCounts();
        await using var f = await StartTcpAsync(Options(echo.Address), meters: counts.Meters);
        int loops = Math.Clamp(Environment.ProcessorCount, 2, 8);
        await WaitUntilAsync(() => RunningLoops(f) == loops, "every accept loop runs");
        int toFail = loops * 2;
        AfterAccept(f, () =>
        {
            if (Interlocked.Decrement(ref toFail) >= 0)
            {
                throw new InvalidOperationException("injected accept loop failure");
            }
        });

        // Every loop dies at least once (each accepted client is closed by the failure) ...
        while (Volatile.Read(ref toFail) > 0)
        {
            Assert.True(await IsClosedRightAwayAsync(f.LocalEndPoint));
        }

        // ... and comes back: all loops run again and serve.
        await WaitUntilAsync(() => LoopRestarts(f) == loops * 2 && RunningLoops(f) == loops, "the loops are restarted");
        Assert.Equal(loops * 2, counts.Get("virtualip.forwarder.loop_restarts", null));
        for (int i = 0; i < loops * 2; i++)
        {
            using var c = await EchoedAsync(f.LocalEndPoint, IPAddress.Loopback);
        }
    }

    [Fact]
    public async Task Local_resource_errors_are_not_blamed_on_the_backend()
    {
        await using var echo = new EchoServer();
        var o = Options(echo.Address);
        o.PassiveHealthFailureThreshold = 1;
        await using var counts = new ForwarderCounts();
        await using var f = await StartTcpAsync(o, meters: counts.Meters);
        foreach (var error in (SocketError[])[SocketError.TooManyOpenSockets, SocketError.AddressNotAvailable, SocketError.NoBufferSpaceAvailable])
        {
            FailBackendSockets(f, error);
            Assert.True(await IsClosedRightAwayAsync(f.LocalEndPoint));
        }

        await WaitUntilAsync(() => f.Refusals(TcpRefusal.LocalResources) == 3, "local errors are counted");
        Assert.Equal(3, counts.Get("virtualip.forwarder.refused", "local_error"));
        Assert.Equal(3, counts.Get("virtualip.forwarder.local_errors", null));
        Assert.True(f.Scheduler.Backends[0].IsHealthy);
        Assert.Equal(0, counts.Get("virtualip.forwarder.connect_failures", null));
        FailBackendSockets(f, null);
        using var c = await EchoedAsync(f.LocalEndPoint, IPAddress.Loopback);
    }

    private static async Task<Socket> EchoedAsync(IPEndPoint forwarder, IPAddress source)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        s.Bind(new IPEndPoint(source, 0));
        await s.ConnectAsync(forwarder, Ct);
        await s.SendAsync("ping"u8.ToArray(), SocketFlags.None, Ct);
        Assert.Equal("ping"u8.ToArray(), await ReceiveExactlyAsync(s, 4));
        return s;
    }

    /// <summary>Sums the forwarder's counters by instrument and reason tag (through a private meter factory).</summary>
    private sealed class ForwarderCounts : IAsyncDisposable
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        private readonly MeterListener _listener = new();
        private readonly Dictionary<(string, string?), long> _sums = [];

        public ForwarderCounts()
        {
            Meters = _services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (i, l) =>
            {
                if (ReferenceEquals(i.Meter.Scope, Meters) && i.Meter.Name == VirtualIpMeters.Balancing)
                {
                    l.EnableMeasurementEvents(i);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) =>
            {
                string? reason = null;
                foreach (var t in tags)
                {
                    if (t.Key == "reason")
                    {
                        reason = (string?)t.Value;
                    }
                }

                lock (_sums)
                {
                    _sums[(i.Name, reason)] = _sums.GetValueOrDefault((i.Name, reason)) + v;
                }
            });
            _listener.Start();
        }

        public IMeterFactory Meters { get; }

        public long Get(string instrument, string? reason)
        {
            lock (_sums)
            {
                return _sums.GetValueOrDefault((instrument, reason));
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Dispose();
            await _services.DisposeAsync();
        }
    }
}
