using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Addressing;
using VirtualIp.Balancing.Floating;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Election;
using VirtualIp.Health;
using VirtualIp.Hosting;
using VirtualIp.Simulation;

namespace VirtualIp.Balancing.Tests.Floating;

/// <summary>
/// <c>VirtualIp:Routers:N:Forwarder</c>: a router read from configuration follows a forwarder added with
/// <c>AddVirtualIpForwarder</c> exactly as <c>AddFloatingVip(...).WithForwarder("NAME", weight)</c> does (the check,
/// its tracking weight, the listen address on the VIP); an unknown name fails the start, named by key.
/// </summary>
public sealed class ConfiguredRouterForwarderTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static IConfiguration Config(string routerForwarder, string listen, int? weight = null, string iface = "eth0") =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VirtualIp:Routers:0:Name"] = "web",
            ["VirtualIp:Routers:0:Interface"] = iface,
            ["VirtualIp:Routers:0:VirtualRouterId"] = "51",
            ["VirtualIp:Routers:0:Priority"] = "150",
            ["VirtualIp:Routers:0:AdvertisementInterval"] = "50ms",
            ["VirtualIp:Routers:0:Vips:0"] = "192.0.2.100/24",
            ["VirtualIp:Routers:0:Forwarder"] = routerForwarder,
            ["VirtualIp:Routers:0:ForwarderWeight"] = weight?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["VirtualIp:Announcements:BurstCount"] = "1",
            ["VirtualIp:Announcements:SecondBurstDelay"] = "0s",
            ["Forwarders:lb:Name"] = "lb",
            ["Forwarders:lb:Listen"] = listen,
            ["Forwarders:lb:HealthCheck:Enabled"] = "false",
            ["Forwarders:lb:Backends:0:Address"] = "198.51.100.10:8080",
            ["Forwarders:lb:Backends:0:Name"] = "b1",
        }).Build();

    private static HostApplicationBuilder Builder(IConfiguration config, IVirtualIpPlatform? platform = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var vip = builder.Services.AddVirtualIp(config.GetSection("VirtualIp"));
        if (platform is not null)
        {
            vip.UsePlatform(platform);
        }

        builder.Services.AddVirtualIpForwarder(config.GetSection("Forwarders:lb"));
        return builder;
    }

    [Fact]
    public void A_configured_router_tracks_the_forwarder_check_with_its_weight_and_the_forwarder_listens_on_the_vip()
    {
        using var host = Builder(Config("lb", ":8080", weight: -60)).Build();
        host.Services.GetRequiredService<IStartupValidator>().Validate();

        var o = host.Services.GetRequiredService<IOptionsMonitor<VirtualIpOptions>>().CurrentValue;
        var check = Assert.Single(o.Checks);
        Assert.Equal("forwarder:lb", check.Check.Name);
        Assert.Equal(TimeSpan.FromMilliseconds(200), check.Check.Interval);
        Assert.Equal((1, 1), (check.Check.Rise, check.Check.Fall));
        var probe = Assert.IsType<ForwarderServingProbe>(check.Probe);
        Assert.Equal("lb", probe.Forwarder);
        Assert.Same(host.Services.GetRequiredService<ForwarderRegistry>(), probe.Registry);
        var track = Assert.Single(Assert.Single(o.Routers).TrackChecks);
        Assert.Equal(("forwarder:lb", -60), (track.Name, track.Weight));

        // Rebuilt options (a reload) carry the same probe instance, so the check is not seen as changed.
        var cache = host.Services.GetRequiredService<IOptionsMonitorCache<VirtualIpOptions>>();
        cache.Clear();
        Assert.Same(probe, host.Services.GetRequiredService<IOptionsMonitor<VirtualIpOptions>>().CurrentValue.Checks.Single().Probe);

        var f = host.Services.GetRequiredService<IOptionsMonitor<ForwarderOptions>>().Get("lb");
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(("192.0.2.100:8080", true), (f.Listen, f.FreeBind));
        }
        else
        {
            Assert.Equal("0.0.0.0:8080", f.Listen);
        }
    }

    [Fact]
    public void An_unknown_forwarder_fails_the_start_naming_the_key()
    {
        using var host = Builder(Config("nope", "0.0.0.0:8080")).Build();
        var ex = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("VirtualIp:Routers:0:Forwarder = 'nope' is not a configured forwarder", ex.Message, StringComparison.Ordinal);

        // Without VirtualIp.Balancing's forwarder at all, the same error.
        var plain = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        plain.Services.AddVirtualIp(Config("lb", ":8080").GetSection("VirtualIp"));
        using var alone = plain.Build();
        ex = Assert.Throws<OptionsValidationException>(() => alone.Services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("VirtualIp:Routers:0:Forwarder = 'lb' is not a configured forwarder", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_master_whose_forwarder_has_no_available_backend_faults_and_recovers()
    {
        var lan = new SimulatedLan();
        var node = lan.AddNode("n1", IPAddress.Parse("192.0.2.11"), MacAddress.Parse("02:00:00:00:00:01"));
        var health = new TestBackendHealth();
        var builder = Builder(Config("lb", "127.0.0.1:0", iface: SimulatedNode.InterfaceName), node); // explicit address: stays on loopback
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton<IBackendHealthSource>(health);
        using var host = builder.Build();
        var ct = TestContext.Current.CancellationToken;
        await host.StartAsync(ct);
        try
        {
            var router = host.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
            await FakeClockWait.UntilAsync(_time, () => router.State == VrrpState.Master && node.Holds(IPAddress.Parse("192.0.2.100")), "master");

            health.Set("b1", healthy: false); // the forwarder's only backend: it cannot serve, weight 0 → Fault
            await FakeClockWait.UntilAsync(_time, () => router.State == VrrpState.Fault && !node.Holds(IPAddress.Parse("192.0.2.100")), "Fault, VIP released");

            health.Set("b1", healthy: true);
            await FakeClockWait.UntilAsync(_time, () => router.State == VrrpState.Master, "master again");
        }
        finally
        {
            await host.StopAsync(ct);
        }
    }
}
