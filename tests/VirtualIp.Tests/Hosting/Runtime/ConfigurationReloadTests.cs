using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Election;
using VirtualIp.Events;
using VirtualIp.Hosting;
using VirtualIp.Simulation;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Hosting.Runtime;

/// <summary>
/// Live reload on the in-memory LAN: the configuration of a running host is replaced (as a changed appsettings.json
/// does) and each kind of change is applied to the running engine; the hosts share one <see cref="FakeTimeProvider"/>.
/// </summary>
public sealed class ConfigurationReloadTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("192.0.2.100");
    private static readonly IPAddress Vip2 = IPAddress.Parse("192.0.2.101");
    private readonly SimulatedHostLab _lab = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Config(int priority, Action<Dictionary<string, string?>>? extra = null)
    {
        var c = SimulatedHostLab.RouterConfig(priority);
        extra?.Invoke(c);
        return c;
    }

    private sealed class Node(IHost host, ReloadableConfiguration config, LogCollector logs, List<VirtualIpEvent> events) : IDisposable
    {
        public IHost Host { get; } = host;

        public ReloadableConfiguration Config { get; } = config;

        public LogCollector Logs { get; } = logs;

        public List<VirtualIpEvent> Events { get; } = events;

        public IVirtualIpRuntime Runtime => Host.Services.GetRequiredService<IVirtualIpRuntime>();

        public IVirtualRouter Router(string name = "web") => Runtime.Routers.Single(r => r.Name == name);

        public ConfigurationReloader Reloader => Host.Services.GetRequiredService<ConfigurationReloader>();

        /// <summary>The number of events delivered once everything published so far has been delivered.</summary>
        public async Task<int> SettledCountAsync()
        {
            await Host.Services.GetRequiredService<VirtualIpEventStream>().FlushAsync().WaitAsync(TimeSpan.FromSeconds(30), Ct);
            return Snapshot().Count;
        }

        public List<VirtualIpEvent> Snapshot()
        {
            lock (Events)
            {
                return [.. Events];
            }
        }

        /// <summary>Replaces the configuration and waits until the host applied (or rejected) it.</summary>
        public async Task ReloadAsync(Dictionary<string, string?> config)
        {
            Config.Replace(config);
            await Reloader.WhenIdle.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            await Host.Services.GetRequiredService<VirtualIpEventStream>().FlushAsync().WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }

        public void Dispose() => Host.Dispose();
    }

    private Node Start(SimulatedNode node, Dictionary<string, string?> config)
    {
        var source = new ReloadableConfiguration(config);
        var logs = new LogCollector();
        var builder = _lab.CreateBuilder();
        builder.Logging.AddProvider(logs);
        ((Microsoft.Extensions.Configuration.IConfigurationBuilder)builder.Configuration).Add(source);
        builder.Services.AddVirtualIp(builder.Configuration.GetSection("VirtualIp")).UsePlatform(node);
        var host = builder.Build();
        var events = new List<VirtualIpEvent>();
        host.Services.GetRequiredService<IVirtualIpEvents>().Published += (_, e) =>
        {
            lock (events)
            {
                events.Add(e);
            }
        };
        return new Node(host, source, logs, events);
    }

    private static (SimulatedLan, SimulatedNode, SimulatedNode) Lan() => SimulatedHostLab.TwoNodes();

    private Task WaitForAsync(Func<bool> condition, string what) => _lab.WaitForAsync(condition, what);

    /// <summary>Runs the fake clock for <paramref name="duration"/> (letting the hosts' tasks run).</summary>
    private Task RunAsync(TimeSpan duration) => _lab.RunAsync(duration);

    private async Task<(SimulatedLan Lan, Node Master, Node Backup, SimulatedNode N1, SimulatedNode N2)> PairAsync(
        Action<Dictionary<string, string?>>? masterExtra = null)
    {
        var (lan, n1, n2) = Lan();
        var master = Start(n1, Config(150, masterExtra));
        var backup = Start(n2, Config(100));
        await master.Host.StartAsync(Ct);
        await backup.Host.StartAsync(Ct);
        await WaitForAsync(() => master.Router().State == VrrpState.Master && backup.Router().State == VrrpState.Backup && n1.Holds(Vip), "n1 master");
        return (lan, master, backup, n1, n2);
    }

    private static async Task StopAsync(params Node[] nodes)
    {
        foreach (var n in nodes)
        {
            await n.Host.StopAsync(Ct);
            n.Dispose();
        }
    }

    [Fact]
    public async Task A_master_that_gets_a_new_priority_and_vip_keeps_its_state_and_binds_the_vip()
    {
        var (_, master, backup, n1, _) = await PairAsync();
        var router = master.Router();
        int before = await master.SettledCountAsync();
        await master.ReloadAsync(Config(200, c => c["VirtualIp:Routers:0:Vips:1"] = "192.0.2.101/24"));
        await WaitForAsync(() => n1.Holds(Vip2), "the new VIP is bound");
        Assert.True(n1.Holds(Vip));
        await RunAsync(TimeSpan.FromMilliseconds(300));
        var after = master.Snapshot().Skip(before).ToList();
        Assert.DoesNotContain(after, e => e is RouterStateChangedEvent);
        Assert.DoesNotContain(after, e => e is VipBindingChangedEvent { Bound: false });
        Assert.Contains(after, e => e is VipBindingChangedEvent { Bound: true } b && b.Vip.Address.Equals(Vip2));
        Assert.Same(router, master.Router());
        Assert.Equal(VrrpState.Master, router.State);
        Assert.Equal(200, router.Priority);
        Assert.Equal(VrrpState.Backup, backup.Router().State);
        Assert.Equal(1, master.Reloader.Applied);
        await StopAsync(master, backup);
    }

    [Fact]
    public async Task A_backup_raised_above_the_master_preempts_and_preempt_off_keeps_it_backup()
    {
        var (_, master, backup, n1, n2) = await PairAsync();
        await backup.ReloadAsync(Config(200, c => c["VirtualIp:Routers:0:Preempt"] = "false"));
        await RunAsync(TimeSpan.FromMilliseconds(500));
        Assert.Equal(VrrpState.Backup, backup.Router().State);
        Assert.Equal(200, backup.Router().Priority);
        Assert.True(n1.Holds(Vip));

        await backup.ReloadAsync(Config(200));
        await WaitForAsync(() => backup.Router().State == VrrpState.Master && n2.Holds(Vip) && !n1.Holds(Vip), "n2 preempts once Preempt is back on");
        var toMaster = backup.Snapshot().OfType<RouterStateChangedEvent>().Last();
        Assert.Equal(VrrpTransitionReason.Preempted, toMaster.Reason);
        await StopAsync(master, backup);
    }

    [Fact]
    public async Task A_new_advert_interval_is_sent_at_once_and_adopted_by_the_backup()
    {
        var (_, master, backup, _, _) = await PairAsync();
        var engine = (VrrpRouter)backup.Router();
        Assert.Equal(TimeSpan.FromMilliseconds(50), engine.MasterAdvertisementInterval);
        await master.ReloadAsync(Config(150, c => c["VirtualIp:Routers:0:AdvertisementInterval"] = "120ms"));
        await WaitForAsync(() => engine.MasterAdvertisementInterval == TimeSpan.FromMilliseconds(120), "backup adopts 120 ms");
        await RunAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(VrrpState.Master, master.Router().State);
        Assert.Equal(VrrpState.Backup, backup.Router().State);
        await StopAsync(master, backup);
    }

    [Fact]
    public async Task A_vip_removed_from_a_master_is_released_and_the_others_stay_bound()
    {
        var (_, master, backup, n1, _) = await PairAsync(c => c["VirtualIp:Routers:0:Vips:1"] = "192.0.2.101/24");
        await WaitForAsync(() => n1.Holds(Vip2), "both VIPs");
        int before = await master.SettledCountAsync();
        await master.ReloadAsync(Config(150));
        await WaitForAsync(() => !n1.Holds(Vip2), "the removed VIP is released");
        await master.Host.Services.GetRequiredService<VirtualIpEventStream>().FlushAsync().WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(n1.Holds(Vip));
        var after = master.Snapshot().Skip(before).ToList();
        Assert.Equal(Vip2, Assert.Single(after.OfType<VipBindingChangedEvent>()).Vip.Address);
        Assert.DoesNotContain(after, e => e is RouterStateChangedEvent);
        await StopAsync(master, backup);
    }

    [Fact]
    public async Task Static_vips_are_bound_and_released_by_reload()
    {
        var (lan, n1, _) = Lan();
        var node = Start(n1, Config(150));
        await node.Host.StartAsync(Ct);
        var staticVip = IPAddress.Parse("192.0.2.50");
        await node.ReloadAsync(Config(150, c =>
        {
            c["VirtualIp:StaticVips:0:Interface"] = SimulatedNode.InterfaceName;
            c["VirtualIp:StaticVips:0:Vips:0"] = "192.0.2.50/24";
        }));
        Assert.True(n1.Holds(staticVip));
        await WaitForAsync(() => lan.ClientResolve(staticVip) == n1.Mac, "static VIP announced");
        await node.ReloadAsync(Config(150));
        Assert.False(n1.Holds(staticVip));
        await StopAsync(node);
    }

    [Fact]
    public async Task Routers_are_added_and_removed_by_reload()
    {
        var (_, n1, _) = Lan();
        var node = Start(n1, Config(150));
        await node.Host.StartAsync(Ct);
        await WaitForAsync(() => n1.Holds(Vip), "web master");
        var web = node.Router();
        var apiVip = IPAddress.Parse("192.0.2.110");
        Dictionary<string, string?> WithApi() => Config(150, c =>
        {
            c["VirtualIp:Routers:1:Name"] = "api";
            c["VirtualIp:Routers:1:Interface"] = SimulatedNode.InterfaceName;
            c["VirtualIp:Routers:1:VirtualRouterId"] = "52";
            c["VirtualIp:Routers:1:AdvertisementInterval"] = "50ms";
            c["VirtualIp:Routers:1:Vips:0"] = "192.0.2.110/24";
        });
        await node.ReloadAsync(WithApi());
        Assert.Equal(["web", "api"], node.Runtime.Routers.Select(r => r.Name));
        await WaitForAsync(() => node.Router("api").State == VrrpState.Master && n1.Holds(apiVip), "api master");
        Assert.Same(web, node.Router());

        await node.ReloadAsync(Config(150));
        Assert.Equal("web", Assert.Single(node.Runtime.Routers).Name);
        Assert.False(n1.Holds(apiVip));
        Assert.True(n1.Holds(Vip));
        Assert.Equal(VrrpState.Master, web.State);
        await StopAsync(node);
    }

    [Fact]
    public async Task A_vrid_change_replaces_the_router()
    {
        var (_, n1, _) = Lan();
        var node = Start(n1, Config(150));
        await node.Host.StartAsync(Ct);
        await WaitForAsync(() => n1.Holds(Vip), "web master");
        var old = node.Router();
        await node.ReloadAsync(Config(150, c => c["VirtualIp:Routers:0:VirtualRouterId"] = "61"));
        var replaced = node.Router();
        Assert.NotSame(old, replaced);
        Assert.Equal(61, replaced.VirtualRouterId);
        Assert.Equal(VrrpState.Initialize, old.State);
        await WaitForAsync(() => replaced.State == VrrpState.Master && n1.Holds(Vip), "the new router becomes master");
        await StopAsync(node);
    }

    [Fact]
    public async Task Checks_are_added_and_removed_by_reload_and_tracking_follows()
    {
        var (_, n1, _) = Lan();
        var node = Start(n1, Config(150));
        await node.Host.StartAsync(Ct);
        await WaitForAsync(() => n1.Holds(Vip), "web master");
        var health = node.Runtime.Health;
        Assert.False(health.TryGetState("down", out _));
        await node.ReloadAsync(Config(150, c =>
        {
            c["VirtualIp:Checks:0:Name"] = "down";
            c["VirtualIp:Checks:0:Target"] = "exec:exit 1";
            c["VirtualIp:Checks:0:Interval"] = "20ms";
            c["VirtualIp:Checks:0:Rise"] = "1";
            c["VirtualIp:Checks:0:Fall"] = "1";
            c["VirtualIp:Routers:0:TrackChecks:0:Check"] = "down";
            c["VirtualIp:Routers:0:TrackChecks:0:Weight"] = "-60";
        }));
        Assert.True(health.TryGetState("down", out _));
        await WaitForAsync(() => node.Router().Priority == 90, "the failing tracked check lowers the priority to 150 - 60");

        await node.ReloadAsync(Config(150));
        Assert.False(health.TryGetState("down", out _));
        Assert.Equal(150, node.Router().Priority);
        Assert.Equal(VrrpState.Master, node.Router().State);
        await StopAsync(node);
    }

    [Fact]
    public async Task An_invalid_reload_is_logged_with_its_key_and_changes_nothing()
    {
        var (_, master, backup, n1, _) = await PairAsync();
        int before = await master.SettledCountAsync();
        await master.ReloadAsync(Config(300, c => c["VirtualIp:Routers:0:Vips:1"] = "192.0.2.101/99"));
        Assert.Equal(1, master.Reloader.Rejected);
        var rejected = master.Logs.Lines.Where(l => l.EventId == 1050).Select(l => l.Message).ToList();
        Assert.Contains(rejected, m => m.Contains("VirtualIp:Routers:0:Priority = 300", StringComparison.Ordinal));
        Assert.Contains(rejected, m => m.Contains("VirtualIp:Routers:0:Vips:1", StringComparison.Ordinal));
        await RunAsync(TimeSpan.FromMilliseconds(300));
        Assert.Equal(150, master.Router().Priority);
        Assert.Equal(VrrpState.Master, master.Router().State);
        Assert.False(n1.Holds(Vip2));
        Assert.DoesNotContain(master.Snapshot().Skip(before), e => e is RouterStateChangedEvent or VipBindingChangedEvent);

        // The host still follows the configuration after a rejected reload.
        await master.ReloadAsync(Config(160));
        Assert.Equal(160, master.Router().Priority);
        await StopAsync(master, backup);
    }
}
