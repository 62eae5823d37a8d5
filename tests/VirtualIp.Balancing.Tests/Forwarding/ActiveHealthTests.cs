using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Health;
using VirtualIp.Scheduling;
using static VirtualIp.Balancing.Tests.Forwarding.ForwarderFixture;

namespace VirtualIp.Balancing.Tests.Forwarding;

public sealed class ActiveHealthTests
{
    [Fact]
    public async Task A_backend_whose_listener_stops_is_skipped_after_fall_intervals_and_returns_after_rise_intervals()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var sp = new ServiceCollection().AddSingleton<TimeProvider>(time).AddVirtualIpHealth().BuildServiceProvider();
        var monitor = sp.GetRequiredService<IHealthMonitor>();
        await using var a = new EchoServer(prefix: 1);
        var b = new EchoServer(prefix: 2);
        int portB = b.EndPoint.Port;
        try
        {
            var o = Options(a.Address, b.Address);
            o.PassiveHealthFailureThreshold = 0; // only the active check decides here
            o.HealthCheck.Interval = TimeSpan.FromSeconds(1);
            o.HealthCheck.Rise = 2;
            o.HealthCheck.Fall = 3;
            o.HealthCheck.JitterFraction = 0;
            await using var f = await StartTcpAsync(o, time);
            var core = GetCore(f);
            core.AttachHealth(monitor, source: null);
            Assert.Equal(2, core.ActiveHealth!.CheckCount);
            var backendB = f.Scheduler.Backends[1];
            string checkB = ActiveHealth.CheckName(o.Name, backendB.Name);
            int probesB = 0;
            monitor.ProbeCompleted += (name, _, in _) =>
            {
                if (name == checkB)
                {
                    Interlocked.Increment(ref probesB);
                }
            };

            async Task StepAsync(TimeSpan by)
            {
                int before = Volatile.Read(ref probesB);
                time.Advance(by);
                await WaitUntilAsync(() => Volatile.Read(ref probesB) > before, "the next probe of backend B completes");
            }

            await StepAsync(TimeSpan.FromMilliseconds(1)); // first probe (no jitter): up
            Assert.True(backendB.IsHealthy);

            await b.DisposeAsync();
            for (int i = 1; i < o.HealthCheck.Fall; i++)
            {
                await StepAsync(o.HealthCheck.Interval);
                Assert.True(backendB.IsHealthy, $"still up after {i} failed probe(s) of {o.HealthCheck.Fall}");
            }

            await StepAsync(o.HealthCheck.Interval);
            await WaitUntilAsync(() => !backendB.IsHealthy, "backend B is marked down after Fall failed probes");

            // Every new client goes to A now (round robin would alternate otherwise).
            for (int i = 0; i < 4; i++)
            {
                using var c = await ConnectAsync(f.LocalEndPoint);
                Assert.Equal(new byte[] { 1 }, await ReceiveExactlyAsync(c, 1));
            }

            b = new EchoServer(prefix: 2, port: portB);
            for (int i = 1; i < o.HealthCheck.Rise; i++)
            {
                await StepAsync(o.HealthCheck.Interval);
                Assert.False(backendB.IsHealthy, $"still down after {i} good probe(s) of {o.HealthCheck.Rise}");
            }

            await StepAsync(o.HealthCheck.Interval);
            await WaitUntilAsync(() => backendB.IsHealthy, "backend B is back after Rise good probes");
            var seen = new HashSet<byte>();
            for (int i = 0; i < 4; i++)
            {
                using var c = await ConnectAsync(f.LocalEndPoint);
                seen.Add((await ReceiveExactlyAsync(c, 1))[0]);
            }

            Assert.Equal(new byte[] { 1, 2 }, seen.Order().ToArray());
        }
        finally
        {
            await b.DisposeAsync();
        }
    }

    [Fact]
    public async Task Backend_health_source_verdicts_take_backends_out_by_name_and_combine_with_passive_health()
    {
        await using var a = new EchoServer(prefix: 1);
        await using var b = new EchoServer(prefix: 2);
        var o = Options(a.Address, b.Address);
        var time = new FakeTimeProvider();
        await using var f = await StartTcpAsync(o, time);
        var core = GetCore(f);
        var source = new FakeHealthSource { Down = { b.Address } };
        core.AttachHealth(monitor: null, source);
        var backendB = f.Scheduler.Backends[1];
        Assert.False(backendB.IsHealthy); // initial verdict
        Assert.Equal(0, core.ActiveHealth!.CheckCount); // no monitor, no checks

        source.Raise(b.Address, true);
        Assert.True(backendB.IsHealthy);

        // Passive down while the source says up: still down; the source saying up again does not revive it.
        for (int i = 0; i < o.PassiveHealthFailureThreshold; i++)
        {
            core.Health.RecordFailure(backendB);
        }

        Assert.False(backendB.IsHealthy);
        source.Raise(b.Address, true);
        Assert.False(backendB.IsHealthy);
        source.Raise(b.Address, false);
        time.Advance(o.PassiveHealthReactivation);
        Assert.False(backendB.IsHealthy); // passive cleared, source still down
        Assert.Equal(HealthSignal.External, core.HealthFlags.Get(backendB));
        source.Raise(b.Address, true);
        Assert.True(backendB.IsHealthy);

        source.Raise("unknown-backend", false); // ignored
        Assert.True(f.Scheduler.Backends[0].IsHealthy);

        await f.DisposeAsync();
        Assert.Equal(0, source.Subscribers);
    }

    [Fact]
    public async Task Checks_are_removed_from_the_monitor_when_the_forwarder_is_disposed()
    {
        var time = new FakeTimeProvider();
        await using var sp = new ServiceCollection().AddSingleton<TimeProvider>(time).AddVirtualIpHealth().BuildServiceProvider();
        var monitor = sp.GetRequiredService<IHealthMonitor>();
        await using var a = new EchoServer();
        var o = Options(a.Address);
        var f = await StartTcpAsync(o, time);
        GetCore(f).AttachHealth(monitor, null);
        string check = ActiveHealth.CheckName(o.Name, a.Address);
        Assert.True(monitor.TryGetState(check, out var state));
        Assert.Equal(HealthState.Up, state);
        await f.DisposeAsync();
        Assert.False(monitor.TryGetState(check, out _));
    }

    [Fact]
    public async Task A_hosted_forwarder_adds_its_checks_to_the_registered_monitor_and_removes_them_on_stop()
    {
        await using var echo = new EchoServer();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddVirtualIpHealth();
        builder.Services.AddVirtualIpForwarder(o =>
        {
            o.Name = "hosted-health";
            o.Listen = "127.0.0.1:0";
            o.Backends.Add(new ForwarderBackendOptions { Address = echo.Address });
        });
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var monitor = host.Services.GetRequiredService<IHealthMonitor>();
        string check = ActiveHealth.CheckName("hosted-health", echo.Address);
        Assert.True(monitor.TryGetState(check, out _));
        await host.StopAsync(TestContext.Current.CancellationToken);
        var svc = host.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<ForwarderHostedService>().Single();
        await svc.DisposeAsync();
        Assert.False(monitor.TryGetState(check, out _));
    }

    [Fact]
    public void Health_check_options_are_validated_naming_the_bad_value()
    {
        var o = Options("127.0.0.1:1");
        o.HealthCheck.Fall = 0;
        o.HealthCheck.Interval = TimeSpan.Zero;
        o.Backends[0].HealthCheckAddress = "nope";
        var errors = string.Join(" ", o.Validate());
        Assert.Contains("HealthCheck.Fall 0", errors, StringComparison.Ordinal);
        Assert.Contains("HealthCheck.Interval", errors, StringComparison.Ordinal);
        Assert.Contains("'nope'", errors, StringComparison.Ordinal);
    }

    private static ForwarderCore GetCore(TcpForwarder f) => f.Core;

    private sealed class FakeHealthSource : IBackendHealthSource
    {
        private BackendHealthChangedHandler? _handler;

        public HashSet<string> Down { get; } = [];

        public int Subscribers => _handler?.GetInvocationList().Length ?? 0;

        public event BackendHealthChangedHandler? BackendHealthChanged
        {
            add => _handler += value;
            remove => _handler -= value;
        }

        public bool IsHealthy(string backendId) => !Down.Contains(backendId);

        public void Raise(string id, bool healthy)
        {
            if (healthy)
            {
                Down.Remove(id);
            }
            else
            {
                Down.Add(id);
            }

            _handler?.Invoke(id, healthy, "test");
        }
    }
}
