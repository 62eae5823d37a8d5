using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Addressing;
using VirtualIp.Binding;
using VirtualIp.Election;
using VirtualIp.Events;
using VirtualIp.Hosting;
using VirtualIp.Simulation;

namespace VirtualIp.Tests.Hosting;

/// <summary>
/// The DI surface end to end on the in-memory LAN: configuration → validation → hosted service → routers, events,
/// metrics, audit trail and clean shutdown. Every host of a test shares one <see cref="FakeTimeProvider"/>, which
/// <see cref="WaitForAsync"/> advances in 1 ms steps until the condition holds (so durations are protocol time, not
/// machine time); a real deadline only guards against a hang.
/// </summary>
public sealed class HostingTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("192.0.2.100");

    private readonly SimulatedHostLab _lab = new();

    private IHost BuildHost(SimulatedNode node, int priority, Action<Dictionary<string, string?>>? extra = null, Action<IServiceCollection>? services = null)
    {
        var config = SimulatedHostLab.RouterConfig(priority);
        extra?.Invoke(config);
        return _lab.Build(node, config, services);
    }

    private static (SimulatedLan, SimulatedNode, SimulatedNode) Lan() => SimulatedHostLab.TwoNodes();

    private Task WaitForAsync(Func<bool> condition, string what) => _lab.WaitForAsync(condition, what);

    [Fact]
    public async Task Two_hosts_elect_and_a_clean_stop_hands_the_vip_over()
    {
        var (lan, n1, n2) = Lan();
        using var h1 = BuildHost(n1, 150);
        using var h2 = BuildHost(n2, 100);
        using var takeover = new MetricCollector<double>(h2.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), VirtualIp.Diagnostics.VirtualIpMeters.Core, "virtualip.vrrp.takeover.duration");
        await h1.StartAsync(TestContext.Current.CancellationToken);
        await h2.StartAsync(TestContext.Current.CancellationToken);
        var r1 = h1.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
        var r2 = h2.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
        await WaitForAsync(() => r1.State == VrrpState.Master && r2.State == VrrpState.Backup && n1.Holds(Vip), "n1 master");
        await WaitForAsync(() => lan.ClientProbe(Vip) == n1, "client reaches n1");

        await h1.StopAsync(TestContext.Current.CancellationToken);
        Assert.False(n1.Holds(Vip));
        await WaitForAsync(() => r2.State == VrrpState.Master && n2.Holds(Vip) && lan.ClientProbe(Vip) == n2, "n2 takes over after priority 0");
        await WaitForAsync(() => takeover.GetMeasurementSnapshot().Count == 1, "takeover duration recorded");
        // RFC 9568: on priority 0 the backup takes over after Skew_Time = ((256 - 100) * 50 ms) / 256 = 30.5 ms of
        // protocol time. Margin: 10 ms (the fake clock moves in 1 ms steps while the hosts' tasks catch up).
        Assert.InRange(takeover.LastMeasurement!.Value, 0.0305 - 0.002, 0.0305 + 0.010);
        await h2.StopAsync(TestContext.Current.CancellationToken);
        Assert.False(n2.Holds(Vip));
    }

    [Fact]
    public async Task Event_stream_reports_transitions_and_bindings_in_order()
    {
        var (_, n1, _) = Lan();
        using var h1 = BuildHost(n1, 150);
        var events = h1.Services.GetRequiredService<IVirtualIpEvents>();
        using var cts = new CancellationTokenSource();
        var reader = events.Subscribe(cts.Token);
        await h1.StartAsync(TestContext.Current.CancellationToken);
        var seen = new List<VirtualIpEvent>();
        await WaitForAsync(() =>
        {
            while (reader.TryRead(out var e))
            {
                seen.Add(e);
            }

            return seen.OfType<VipBindingChangedEvent>().Any(b => b.Bound);
        }, "vip-added");
        var toMaster = seen.OfType<RouterStateChangedEvent>().Single(s => s.NewState == VrrpState.Master);
        Assert.Equal("web", toMaster.Router);
        Assert.Equal(VrrpTransitionReason.MasterDownTimer, toMaster.Reason);
        Assert.True(seen.IndexOf(toMaster) < seen.FindIndex(e => e is VipBindingChangedEvent));
        await h1.StopAsync(TestContext.Current.CancellationToken);
        await cts.CancelAsync();
        Assert.Contains(await reader.ReadAllAsync(TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken), e => e is VipBindingChangedEvent { Bound: false });
    }

    [Fact]
    public async Task Metrics_count_transitions_and_vip_changes()
    {
        var (_, n1, _) = Lan();
        using var h1 = BuildHost(n1, 150);
        var factory = h1.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var transitions = new MetricCollector<long>(factory, VirtualIp.Diagnostics.VirtualIpMeters.Core, "virtualip.vrrp.transitions");
        using var changes = new MetricCollector<long>(factory, VirtualIp.Diagnostics.VirtualIpMeters.Core, "virtualip.vip.changes");
        using var state = new MetricCollector<int>(factory, VirtualIp.Diagnostics.VirtualIpMeters.Core, "virtualip.vrrp.state");
        await h1.StartAsync(TestContext.Current.CancellationToken);
        await WaitForAsync(() => changes.GetMeasurementSnapshot().Count == 1, "vip change measured");
        Assert.Contains(transitions.GetMeasurementSnapshot(), m => (string?)m.Tags["virtualip.vrrp.state"] == "master" && (string?)m.Tags["virtualip.vrrp.transition.reason"] == "master_down_timer");
        state.RecordObservableInstruments();
        // One series per state: 1 for master, 0 for the three others.
        var states = state.GetMeasurementSnapshot().TakeLast(4).ToDictionary(m => (string)m.Tags["virtualip.vrrp.state"]!, m => m.Value);
        Assert.Equal(new Dictionary<string, int> { ["initialize"] = 0, ["backup"] = 0, ["master"] = 1, ["fault"] = 0 }, states);
        await h1.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal("remove", changes.LastMeasurement!.Tags["virtualip.vip.operation"]);
    }

    [Fact]
    public async Task Stale_addresses_from_a_crashed_run_are_removed_and_static_vips_kept()
    {
        var (lan, n1, _) = Lan();
        IVipBinder binder = ((IVirtualIpPlatform)n1).Binder;
        await binder.AddAsync(SimulatedNode.InterfaceName, VipAddress.Parse("192.0.2.100/24"), cancellationToken: TestContext.Current.CancellationToken);
        await binder.AddAsync(SimulatedNode.InterfaceName, VipAddress.Parse("192.0.2.50/24"), cancellationToken: TestContext.Current.CancellationToken);
        using var h1 = BuildHost(n1, 100, c =>
        {
            c["VirtualIp:StaticVips:0:Interface"] = SimulatedNode.InterfaceName;
            c["VirtualIp:StaticVips:0:Vips:0"] = "192.0.2.50/24";
        });
        var stale = new List<StaleAddressesRemovedEvent>();
        h1.Services.GetRequiredService<IVirtualIpEvents>().Published += (_, e) =>
        {
            if (e is StaleAddressesRemovedEvent s)
            {
                stale.Add(s);
            }
        };
        await h1.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal(VipAddress.Parse("192.0.2.100/24"), Assert.Single(Assert.Single(stale).Removed));
        Assert.True(n1.Holds(IPAddress.Parse("192.0.2.50")));
        await WaitForAsync(() => lan.ClientResolve(IPAddress.Parse("192.0.2.50")) == n1.Mac, "static VIP announced");
        await h1.StopAsync(TestContext.Current.CancellationToken);
        Assert.False(n1.Holds(IPAddress.Parse("192.0.2.50")));
    }

    [Fact]
    public async Task A_failing_check_with_weight_zero_puts_the_router_in_fault_and_moves_the_vip()
    {
        var (lan, n1, n2) = Lan();
        bool healthy = true;
        using var h1b = BuildHostWithCheck(n1, () => healthy);
        using var h2 = BuildHost(n2, 100);
        await h1b.StartAsync(TestContext.Current.CancellationToken);
        await h2.StartAsync(TestContext.Current.CancellationToken);
        var r1 = h1b.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
        await WaitForAsync(() => r1.State == VrrpState.Master && n1.Holds(Vip), "n1 master while healthy");
        healthy = false;
        await WaitForAsync(() => r1.State == VrrpState.Fault && n2.Holds(Vip) && !n1.Holds(Vip), "fault moves the VIP to n2");
        healthy = true;
        await WaitForAsync(() => r1.State == VrrpState.Master && n1.Holds(Vip) && !n2.Holds(Vip), "recovery preempts back");
        Assert.Equal(n1, lan.ClientProbe(Vip));
        await h1b.StopAsync(TestContext.Current.CancellationToken);
        await h2.StopAsync(TestContext.Current.CancellationToken);
    }

    private IHost BuildHostWithCheck(SimulatedNode node, Func<bool> healthy)
    {
        var builder = _lab.CreateBuilder();
        builder.Services.AddVirtualIp(o => o.Announcements.SecondBurstDelay = TimeSpan.Zero)
            .UsePlatform(node)
            .AddFloatingVip(r =>
            {
                r.Name = "web";
                r.Interface = SimulatedNode.InterfaceName;
                r.VirtualRouterId = 51;
                r.Priority = 150;
                r.AdvertisementInterval = TimeSpan.FromMilliseconds(50);
                r.Vips.Add(VipAddress.Parse("192.0.2.100/24"));
            })
            .AddHealthCheck("app", VirtualIp.Health.HealthProbes.FromDelegate(healthy), c =>
            {
                c.Interval = TimeSpan.FromMilliseconds(20);
                c.Rise = 1;
                c.Fall = 1;
                c.JitterFraction = 0;
            })
            .TrackCheck("web", "app", weight: 0);
        return builder.Build();
    }

    [Fact]
    public async Task Audit_trail_writes_one_json_line_per_event()
    {
        var (_, n1, _) = Lan();
        var path = Path.Combine(Path.GetTempPath(), $"vip-audit-{Guid.NewGuid():N}.jsonl");
        try
        {
            using var h1 = BuildHost(n1, 150, c => c["VirtualIp:AuditLogPath"] = path);
            await h1.StartAsync(TestContext.Current.CancellationToken);
            await WaitForAsync(() => n1.Holds(Vip), "master");
            await h1.StopAsync(TestContext.Current.CancellationToken);
            var lines = File.ReadAllLines(path);
            Assert.Contains(lines, l => l.Contains("\"kind\":\"state-changed\"", StringComparison.Ordinal) && l.Contains("\"to\":\"Master\"", StringComparison.Ordinal) && l.Contains("\"reason\":\"MasterDownTimer\"", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("\"kind\":\"vip-added\"", StringComparison.Ordinal) && l.Contains("192.0.2.100/24", StringComparison.Ordinal));
            Assert.All(lines, l => System.Text.Json.JsonDocument.Parse(l).Dispose());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
