using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Addressing;
using VirtualIp.Balancing.Floating;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Balancing.Management;
using VirtualIp.Balancing.Tests.Forwarding;
using VirtualIp.Election;
using VirtualIp.Health;
using VirtualIp.Hosting;
using VirtualIp.Simulation;

namespace VirtualIp.Balancing.Tests.Floating;

/// <summary>
/// "A node whose forwarder cannot serve gives up mastership": the forwarder-can-serve probe, and two hosts on the
/// in-memory LAN (one <see cref="FakeTimeProvider"/>, advanced 1 ms at a time) whose routers track it.
/// </summary>
public sealed class FloatingForwarderTrackingTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("192.0.2.100");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task The_probe_is_up_only_while_the_forwarder_runs_with_an_available_backend()
    {
        var registry = new ForwarderRegistry();
        var probe = new ForwarderServingProbe(registry, "web");
        var o = ForwarderFixture.Options("198.51.100.10:80", "198.51.100.11:80");
        o.Name = "web";
        await using var f = await ForwarderFixture.StartTcpAsync(o, _time);

        var r = probe.Probe();
        Assert.False(r.Healthy);
        Assert.Contains("not running", r.Reason, StringComparison.Ordinal);

        var control = new ForwarderControl(f, f.Core);
        registry.Add("web", control);
        Assert.True(probe.Probe().Healthy);
        var backends = f.Scheduler.Backends.AsSpan().ToArray();
        backends[0].IsHealthy = false;
        Assert.True(probe.Probe().Healthy); // one of two is enough
        backends[1].IsDraining = true;
        r = probe.Probe();
        Assert.False(r.Healthy);
        Assert.Contains("none of its 2 backends", r.Reason, StringComparison.Ordinal);
        backends[0].IsHealthy = true;
        Assert.True(probe.Probe().Healthy);

        registry.Remove("web", control);
        Assert.False(probe.Probe().Healthy);
        Assert.False((await probe.ProbeAsync(TestContext.Current.CancellationToken)).Healthy);
    }

    [Fact]
    public void FreeBind_sets_the_socket_option_on_linux()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "IP_FREEBIND is Linux");
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            using var plain = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
            var ep = new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback, 0);
            ListenerSockets.Prepare(plain, ep, new ForwarderOptions());
            Assert.False(ListenerSockets.HasFreeBind(plain));

            using var free = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
            ListenerSockets.Prepare(free, ep, new ForwarderOptions { FreeBind = true });
            Assert.True(ListenerSockets.HasFreeBind(free), $"{family}: IP(V6)_FREEBIND set");
        }
    }

    [Fact]
    public async Task A_master_whose_forwarder_has_no_available_backend_faults_and_the_vip_moves_then_returns()
    {
        var lan = new SimulatedLan();
        var n1 = lan.AddNode("n1", IPAddress.Parse("192.0.2.11"), MacAddress.Parse("02:00:00:00:00:01"));
        var n2 = lan.AddNode("n2", IPAddress.Parse("192.0.2.12"), MacAddress.Parse("02:00:00:00:00:02"));
        var health1 = new TestBackendHealth();
        using var h1 = BuildHost(n1, 150, health1);
        using var h2 = BuildHost(n2, 100, new TestBackendHealth());
        var ct = TestContext.Current.CancellationToken;
        await h1.StartAsync(ct);
        await h2.StartAsync(ct);
        try
        {
            var r1 = h1.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
            var r2 = h2.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
            await FakeClockWait.UntilAsync(_time, () => r1.State == VrrpState.Master && r2.State == VrrpState.Backup && n1.Holds(Vip), "n1 (150) master");

            // n1's only backend goes down (its health source says so): the forwarder cannot serve, n1 faults, n2 takes over.
            var downAt = _time.GetUtcNow();
            health1.Set("b1", healthy: false);
            await FakeClockWait.UntilAsync(_time, () => r1.State == VrrpState.Fault && r2.State == VrrpState.Master && n2.Holds(Vip) && !n1.Holds(Vip), "n1 Fault, n2 master");
            var moved = _time.GetUtcNow() - downAt;
            // One check period (200 ms, fall 1), then n1 leaves Master with a priority-0 advert and n2 takes over after
            // its Skew_Time (156/256 x 50 ms): well under a Master_Down_Interval on top of the period.
            Assert.True(moved <= TimeSpan.FromMilliseconds(200 + 50), $"moved after {moved.TotalMilliseconds} ms");

            // The backend comes back: n1 leaves Fault and, with the higher priority, preempts.
            health1.Set("b1", healthy: true);
            await FakeClockWait.UntilAsync(_time, () => r1.State == VrrpState.Master && r2.State == VrrpState.Backup && n1.Holds(Vip) && !n2.Holds(Vip), "n1 master again");
        }
        finally
        {
            await h1.StopAsync(ct);
            await h2.StopAsync(ct);
        }
    }

    [Fact]
    public async Task With_a_negative_weight_the_node_lowers_its_priority_instead_of_faulting()
    {
        var lan = new SimulatedLan();
        var n1 = lan.AddNode("n1", IPAddress.Parse("192.0.2.11"), MacAddress.Parse("02:00:00:00:00:01"));
        var n2 = lan.AddNode("n2", IPAddress.Parse("192.0.2.12"), MacAddress.Parse("02:00:00:00:00:02"));
        var health1 = new TestBackendHealth();
        using var h1 = BuildHost(n1, 150, health1, weight: -100);
        using var h2 = BuildHost(n2, 100, new TestBackendHealth(), weight: -100);
        var ct = TestContext.Current.CancellationToken;
        await h1.StartAsync(ct);
        await h2.StartAsync(ct);
        try
        {
            var r1 = h1.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
            var r2 = h2.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
            await FakeClockWait.UntilAsync(_time, () => r1.State == VrrpState.Master && n1.Holds(Vip), "n1 (150) master");

            health1.Set("b1", healthy: false); // 150 - 100 = 50 < 100
            await FakeClockWait.UntilAsync(_time, () => r1.State == VrrpState.Backup && r2.State == VrrpState.Master && n2.Holds(Vip), "n1 backup at 50, n2 master");
            Assert.Equal(50, r1.Priority);
        }
        finally
        {
            await h1.StopAsync(ct);
            await h2.StopAsync(ct);
        }
    }

    private IHost BuildHost(SimulatedNode node, int priority, TestBackendHealth health, int weight = 0)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton<IBackendHealthSource>(health);
        builder.Services.AddVirtualIp(o =>
        {
            o.Announcements.SecondBurstDelay = TimeSpan.Zero;
            o.Announcements.BurstCount = 1;
        }).UsePlatform(node).AddFloatingVip(r =>
        {
            r.Name = "web";
            r.Interface = SimulatedNode.InterfaceName;
            r.VirtualRouterId = 51;
            r.Priority = priority;
            r.AdvertisementInterval = TimeSpan.FromMilliseconds(50);
            r.Vips.Add(VipAddress.Parse("192.0.2.100/24"));
        }).WithForwarder(f =>
        {
            f.Listen = "127.0.0.1:0"; // an explicit address (kept): the test's forwarders stay on loopback
            f.HealthCheck.Enabled = false;
            f.Backends.Add(new ForwarderBackendOptions { Address = "198.51.100.10:8080", Name = "b1" });
        }, weight);
        return builder.Build();
    }
}
