using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Election;
using VirtualIp.Events;
using VirtualIp.Health.Load;
using VirtualIp.Hosting;
using VirtualIp.Simulation;

namespace VirtualIp.Tests.Hosting;

/// <summary>
/// Load-aware floating through the DI surface on the in-memory LAN: <c>Routers:0:TrackLoad</c> from configuration →
/// validation → the router's tracking. The readings are fake (a <see cref="LoadTracking"/> with a reader per track) and
/// the clock is one <see cref="FakeTimeProvider"/> for both hosts, advanced 1 ms at a time.
/// </summary>
public sealed class LoadAwareHostingTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("192.0.2.100");

    private readonly SimulatedHostLab _lab = new();

    private sealed class Load : ILoadReader
    {
        public volatile int Percent;

        public bool TryRead(out double value)
        {
            value = Percent;
            return true;
        }
    }

    private IHost BuildHost(SimulatedNode node, int priority, Load? load, string? auditPath = null)
    {
        var config = SimulatedHostLab.RouterConfig(priority, auditPath);
        if (load is not null)
        {
            config["VirtualIp:Routers:0:TrackLoad:0:Source"] = "CpuPressure";
            config["VirtualIp:Routers:0:TrackLoad:0:Scope"] = "Process";
            config["VirtualIp:Routers:0:TrackLoad:0:High"] = "30";
            config["VirtualIp:Routers:0:TrackLoad:0:Low"] = "10";
            config["VirtualIp:Routers:0:TrackLoad:0:Weight"] = "-60";
            config["VirtualIp:Routers:0:TrackLoad:0:SampleInterval"] = "100ms";
            config["VirtualIp:Routers:0:TrackLoad:0:Samples"] = "3";
            config["VirtualIp:Routers:0:TrackLoad:0:HoldTime"] = "5s";
        }

        return _lab.Build(node, config, s => s.AddSingleton(_ => new LoadTracking(_lab.Time, readers: _ => load!)));
    }

    private Task RunAsync(TimeSpan span, Action? everyStep = null) => _lab.RunAsync(span, everyStep);

    private Task WaitForAsync(Func<bool> condition, string what) => _lab.WaitForAsync(condition, what);

    [Fact]
    public async Task The_vip_moves_to_the_idle_node_once_and_stays_while_the_load_fluctuates_then_returns_after_the_hold_time()
    {
        var (_, n1, n2) = SimulatedHostLab.TwoNodes();
        var load = new Load();
        var audit = Path.Combine(Path.GetTempPath(), $"vip-audit-{Guid.NewGuid():N}.jsonl");
        try
        {
            using var h1 = BuildHost(n1, 150, load, audit);
            using var h2 = BuildHost(n2, 100, load: null);
            var events = new List<PriorityChangedEvent>();
            h1.Services.GetRequiredService<IVirtualIpEvents>().Published += (_, e) =>
            {
                if (e is PriorityChangedEvent p)
                {
                    lock (events)
                    {
                        events.Add(p);
                    }
                }
            };
            await h1.StartAsync(TestContext.Current.CancellationToken);
            await h2.StartAsync(TestContext.Current.CancellationToken);
            var r1 = h1.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
            var r2 = h2.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
            await WaitForAsync(() => r1.State == VrrpState.Master && r2.State == VrrpState.Backup && n1.Holds(Vip), "n1 (150, idle) master");

            load.Percent = 80; // n1 loaded: 150 - 60 = 90 < 100
            await WaitForAsync(() => r2.State == VrrpState.Master && n2.Holds(Vip) && !n1.Holds(Vip), "the VIP moves to idle n2");
            int moves = 0;
            var holder = n2;
            // 4 s of load swinging 0 ↔ 80 every 150 ms (1.5 samples): never three samples in a row at or below 10.
            await RunAsync(TimeSpan.FromSeconds(4), () =>
            {
                load.Percent = (_lab.Time.GetUtcNow().ToUnixTimeMilliseconds() / 150) % 2 == 0 ? 0 : 80;
                var now = n1.Holds(Vip) ? n1 : n2;
                if (now != holder)
                {
                    moves++;
                    holder = now;
                }
            });
            Assert.Equal(0, moves);
            Assert.Equal(VrrpState.Backup, r1.State);

            load.Percent = 0; // load gone: back to n1 (preempt) once the 5 s hold since the change has passed
            await WaitForAsync(() => r1.State == VrrpState.Master && n1.Holds(Vip) && !n2.Holds(Vip), "n1 master again");
            PriorityChangedEvent[] changes;
            lock (events)
            {
                changes = [.. events.Where(e => e.Reason.Contains("load CpuPressure/Process", StringComparison.Ordinal))];
            }

            Assert.Equal([90, 150], changes.Select(e => e.Priority));
            Assert.Contains("loaded: 80.0 % at or above 30 for 3 sample(s) (weight -60): priority 150 -> 90", changes[0].Reason);
            Assert.True(changes[1].Timestamp - changes[0].Timestamp >= TimeSpan.FromSeconds(5), "held 5 s");
            await h1.StopAsync(TestContext.Current.CancellationToken);
            await h2.StopAsync(TestContext.Current.CancellationToken);
            Assert.Contains(File.ReadAllLines(audit), l => l.Contains("loaded: 80.0 %", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(audit);
        }
    }
}
