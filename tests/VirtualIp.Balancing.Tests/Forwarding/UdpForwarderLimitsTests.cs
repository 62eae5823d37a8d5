using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Diagnostics;
using static VirtualIp.Balancing.Tests.Forwarding.ForwarderFixture;
using static VirtualIp.Balancing.Tests.Forwarding.UdpTestKit;

namespace VirtualIp.Balancing.Tests.Forwarding;

/// <summary>UDP abuse limits: caps, rate, refusals by reason, supervision, local errors (loopback, in process).</summary>
// Alone (the allocation test measures process-wide allocations), in the same non-parallel collection as the TCP one.
[Collection(nameof(TcpPumpAllocationCollection))]
public sealed class UdpForwarderLimitsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Per_source_cap_refuses_new_ports_of_a_full_source_and_counts_the_reason()
    {
        using var a = new UdpEcho((byte)'A');
        var o = Options(a.Address);
        o.Udp.MaxSessionsPerSource = 3;
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var refused = new MetricCollector<long>(meters, VirtualIpMeters.Balancing, "virtualip.forwarder.refused");
        await using var f = await StartUdpAsync(o, new FakeTimeProvider(), meters);

        var clients = Enumerable.Range(0, 5).Select(_ => Client("127.0.0.1")).ToList();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                await RoundTripAsync(clients[i], f.LocalEndPoint, $"c{i}");
            }

            Assert.False(await TryRoundTripAsync(clients[3], f.LocalEndPoint, "fourth"));
            Assert.False(await TryRoundTripAsync(clients[4], f.LocalEndPoint, "fifth"));
            Assert.Equal(3, f.ActiveConnections);
            Assert.Equal(2, f.RefusedCount(RefusalReasons.SourceSessionLimit));

            // Another source IP is not affected, and the full source's open sessions keep working.
            using var other = Client("127.0.0.2");
            await RoundTripAsync(other, f.LocalEndPoint, "other source");
            await RoundTripAsync(clients[0], f.LocalEndPoint, "still served");
            Assert.Equal(4, f.ActiveConnections);
            Assert.Equal(2, f.TrackedSources);

            var m = refused.GetMeasurementSnapshot();
            Assert.Equal(2, m.Where(x => (string?)x.Tags["reason"] == "source_session_limit").Sum(x => x.Value));
            Assert.All(m, x => Assert.Equal("udp", x.Tags["network.transport"]));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Global_cap_refuses_new_sources_until_a_session_idles_out()
    {
        using var a = new UdpEcho((byte)'A');
        var time = new FakeTimeProvider();
        var o = Options(a.Address);
        o.MaxConnections = 2;
        o.UdpIdleTimeout = TimeSpan.FromSeconds(10);
        await using var f = await StartUdpAsync(o, time);
        using var c1 = Client("127.0.0.1");
        using var c2 = Client("127.0.0.2");
        using var c3 = Client("127.0.0.3");
        await RoundTripAsync(c1, f.LocalEndPoint, "one");
        await RoundTripAsync(c2, f.LocalEndPoint, "two");
        Assert.False(await TryRoundTripAsync(c3, f.LocalEndPoint, "three"));
        Assert.Equal(1, f.RefusedCount(RefusalReasons.SessionLimit));
        Assert.Equal(2, f.ActiveConnections);

        time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(0, f.ActiveConnections);
        Assert.Equal(0, f.TrackedSources);
        await RoundTripAsync(c3, f.LocalEndPoint, "three again");
    }

    [Fact]
    public async Task New_session_rate_per_source_is_a_token_bucket_on_the_time_provider()
    {
        using var a = new UdpEcho((byte)'A');
        var time = new FakeTimeProvider();
        var o = Options(a.Address);
        o.Udp.NewSessionsPerSecondPerSource = 2;
        await using var f = await StartUdpAsync(o, time);
        var clients = Enumerable.Range(0, 4).Select(_ => Client()).ToList();
        try
        {
            await RoundTripAsync(clients[0], f.LocalEndPoint, "1");
            await RoundTripAsync(clients[1], f.LocalEndPoint, "2");
            Assert.False(await TryRoundTripAsync(clients[2], f.LocalEndPoint, "3"));
            Assert.Equal(1, f.RefusedCount(RefusalReasons.RateLimit));

            time.Advance(TimeSpan.FromSeconds(0.5)); // one token back
            await RoundTripAsync(clients[2], f.LocalEndPoint, "3 again");
            Assert.False(await TryRoundTripAsync(clients[3], f.LocalEndPoint, "4"));
            Assert.Equal(2, f.RefusedCount(RefusalReasons.RateLimit));
            Assert.Equal(3, f.ActiveConnections);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Receive_loop_failure_is_logged_counted_and_the_loop_comes_back()
    {
        using var a = new UdpEcho((byte)'A');
        var time = new FakeTimeProvider();
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var restarts = new MetricCollector<long>(meters, VirtualIpMeters.Balancing, "virtualip.forwarder.loop_restarts");
        await using var f = await StartUdpAsync(Options(a.Address), time, meters);
        using var c = Client();
        await RoundTripAsync(c, f.LocalEndPoint, "before");

        int failures = 2;
        f.BeforeDatagram = () =>
        {
            if (Interlocked.Decrement(ref failures) >= 0)
            {
                throw new InvalidOperationException("injected receive-loop failure");
            }
        };

        // Two datagrams, two failures: each restart waits its back-off (50 ms, then 100 ms) on the fake clock. The clock
        // is advanced while waiting, not once: the loop counts the restart before it registers its back-off timer.
        await c.SendToAsync("lost"u8.ToArray(), SocketFlags.None, f.LocalEndPoint, Ct);
        await WaitUntilAsync(() => f.LoopRestarts == 1, "restart 1 is counted");
        await c.SendToAsync("lost"u8.ToArray(), SocketFlags.None, f.LocalEndPoint, Ct);
        await WaitUntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromMilliseconds(50));
                return f.LoopRestarts == 2;
            },
            "the loop restarts after its back-off and fails again (restart 2)");
        bool served = false;
        for (int i = 0; i < 20 && !served; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100)); // the second back-off, however late its timer is registered
            served = await TryRoundTripAsync(c, f.LocalEndPoint, $"after {i}");
        }

        Assert.True(served, "the restarted loop serves the client again");
        Assert.Equal(2, restarts.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.All(restarts.GetMeasurementSnapshot(), m => Assert.Equal("receive", m.Tags["loop"]));
    }

    [Fact]
    public async Task Local_errors_refuse_the_client_but_never_mark_the_backend_down()
    {
        using var a = new UdpEcho((byte)'A');
        var o = Options(a.Address);
        o.PassiveHealthFailureThreshold = 2;
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var local = new MetricCollector<long>(meters, VirtualIpMeters.Balancing, "virtualip.forwarder.local_errors");
        await using var f = await StartUdpAsync(o, new FakeTimeProvider(), meters);
        f.SessionSocketFactory = _ => throw new SocketException((int)SocketError.TooManyOpenSockets); // EMFILE

        var clients = Enumerable.Range(1, 10).Select(i => Client($"127.0.3.{i}")).ToList();
        try
        {
            foreach (var c in clients)
            {
                await c.SendToAsync("x"u8.ToArray(), SocketFlags.None, f.LocalEndPoint, Ct);
            }

            await WaitUntilAsync(() => f.RefusedCount(RefusalReasons.LocalError) == 10, "ten local-error refusals");
            var backend = f.Scheduler.Backends[0];
            Assert.True(backend.IsHealthy, "a local error is not the backend's failure");
            Assert.Equal(10, local.GetMeasurementSnapshot().Where(m => (string?)m.Tags["error.type"] == "too_many_open_sockets").Sum(m => m.Value));
            Assert.Equal(0, f.ActiveConnections);
            Assert.Equal(0, f.TrackedSources);

            f.SessionSocketFactory = family => new Socket(family, SocketType.Dgram, ProtocolType.Udp);
            await RoundTripAsync(clients[0], f.LocalEndPoint, "served once handles are back");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Icmp_unreachable_from_a_backend_still_counts_against_it()
    {
        var closed = EchoServer.RefusingEndPoint(); // nothing listens on that UDP port either
        var o = Options(closed.ToString());
        o.PassiveHealthFailureThreshold = 2;
        await using var f = await StartUdpAsync(o, new FakeTimeProvider());
        var backend = f.Scheduler.Backends[0];
        using var c = Client();
        for (int i = 0; i < 20 && backend.IsHealthy; i++)
        {
            await c.SendToAsync("x"u8.ToArray(), SocketFlags.None, f.LocalEndPoint, Ct);
            await Task.Delay(20, Ct);
        }

        Assert.False(backend.IsHealthy, "port unreachable (ECONNREFUSED) is the backend's failure");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Relaying_datagrams_of_a_known_client_allocates_nothing_in_steady_state(bool metrics)
    {
        // With metrics on, a listener records every measurement, so the TagList path of each datagram runs too.
        long ioBytes = 0;
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var listener = new MeterListener();
        if (metrics)
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == VirtualIpMeters.Balancing && instrument.Name == "virtualip.forwarder.io")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref ioBytes, value));
            listener.Start();
        }

        using var a = new UdpEcho((byte)'A'); // allocation-free echo (SocketAddress receive)
        var meters = metrics ? services.GetRequiredService<IMeterFactory>() : null;
        await using var f = await StartUdpAsync(Options(a.Address), new FakeTimeProvider(), meters);
        using var c = Client();
        c.Connect(f.LocalEndPoint);
        c.ReceiveTimeout = 10_000;
        using var direct = Client(); // the same round trips straight to the echo: what the test's own sockets cost
        direct.Connect(System.Net.IPEndPoint.Parse(a.Address));
        direct.ReceiveTimeout = 10_000;

        Measure(c, windows: 1); // warm up: session, pools, async state machines, tiered JIT
        Measure(direct, windows: 1);
        var (forwarded, wrong) = Measure(c, windows: 3);
        var (baseline, wrongDirect) = Measure(direct, windows: 3);
        double perRoundTrip = (double)(forwarded - baseline) / RoundTrips;
        TestContext.Current.TestOutputHelper!.WriteLine(
            $"best window of {RoundTrips}: through forwarder {forwarded} B, direct {baseline} B; {perRoundTrip:F2} B per round trip; io metric {ioBytes} B");
        Assert.Equal(0, wrong + wrongDirect);
        if (metrics)
        {
            Assert.True(ioBytes >= 2L * 3 * RoundTrips * 100, "the io counter recorded the relayed bytes");
        }

        // Issue #12: hot paths allocate nothing. Measured 2026-12-06: 0 B. The count is process-wide, so the best of
        // three windows is taken (a one-off, e.g. a thread-pool thread renting its first pooled relay buffer, falls in
        // one window only) and a little background is allowed; any object per datagram is at least 24 B. The earlier
        // figure (~606 B) was this test's own Assert.Equal inside the loop (xunit boxes and builds a comparer per call).
        Assert.True(perRoundTrip < 2, $"{perRoundTrip:F2} B allocated per round trip through the forwarder (process-wide)");

        // No assertion inside the measured loop: xunit's Assert.Equal allocates (~600 B per call).
        static (long BestBytes, int Wrong) Measure(Socket s, int windows)
        {
            var payload = new byte[100];
            var reply = new byte[200];
            long best = long.MaxValue;
            int wrong = 0;
            for (int w = 0; w < windows; w++)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true);
                for (int i = 0; i < RoundTrips; i++)
                {
                    s.Send(payload);
                    if (s.Receive(reply) != 101)
                    {
                        wrong++;
                    }
                }

                best = Math.Min(best, GC.GetTotalAllocatedBytes(precise: true) - before);
            }

            return (best, wrong);
        }
    }

    private const int RoundTrips = 2_000;
}
