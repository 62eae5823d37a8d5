using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Addressing;
using VirtualIp.Election;
using VirtualIp.Hosting;
using VirtualIp.Simulation;
using VirtualIp.Testing;

namespace VirtualIp.HealthChecks.Tests;

/// <summary>
/// The check against real engines on the simulated LAN and a shared fake clock: n1 (150) master, n2 (100) backup;
/// each host has the default check and a master-only one tagged "ready".
/// </summary>
public sealed class VirtualIpHealthCheckTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private IHost Host(SimulatedNode node, int priority, Action<IHealthChecksBuilder>? checks = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Configuration.AddInMemoryCollection(RouterSettings.Web(SimulatedNode.InterfaceName, priority));
        builder.Services.AddVirtualIp(builder.Configuration.GetSection("VirtualIp")).UsePlatform(node);
        var hc = builder.Services.AddHealthChecks()
            .AddVirtualIp()
            .AddVirtualIp("virtualip-master", o =>
            {
                o.RequireMaster = true;
                o.Tags.Add("ready");
            });
        checks?.Invoke(hc);
        return builder.Build();
    }

    private Task StepUntilAsync(Func<bool> condition, string what) => FakeClockStepping.StepUntilAsync(_time, _time.Advance, condition, what);

    private static Task<HealthReport> CheckAsync(IHost host, string? tag = null) =>
        host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(
            r => tag is null ? !r.Tags.Contains("ready") : r.Tags.Contains(tag), TestContext.Current.CancellationToken);

    private static (SimulatedNode N1, SimulatedNode N2) Lan()
    {
        var lan = new SimulatedLan();
        return (lan.AddNode("n1", IPAddress.Parse("192.0.2.11"), MacAddress.Parse("02:00:00:00:00:01")),
                lan.AddNode("n2", IPAddress.Parse("192.0.2.12"), MacAddress.Parse("02:00:00:00:00:02")));
    }

    [Fact]
    public async Task Backup_and_master_are_healthy_fault_is_unhealthy_and_ready_follows_the_master()
    {
        var (n1, n2) = Lan();
        using var h1 = Host(n1, 150);
        using var h2 = Host(n2, 100);
        var ct = TestContext.Current.CancellationToken;

        var before = await CheckAsync(h1);
        Assert.Equal(HealthStatus.Degraded, before.Status);
        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync(h1, "ready")).Status);

        await h1.StartAsync(ct);
        await h2.StartAsync(ct);
        var r1 = h1.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
        var r2 = h2.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
        await StepUntilAsync(() => r1.State == VrrpState.Master && r2.State == VrrpState.Backup, "n1 master, n2 backup");

        var live1 = await CheckAsync(h1);
        Assert.Equal(HealthStatus.Healthy, live1.Status);
        Assert.Equal("master", live1.Entries["virtualip"].Data["web.state"]);
        Assert.Equal(150, live1.Entries["virtualip"].Data["web.priority"]);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(h1, "ready")).Status);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(h2)).Status);
        var ready2 = await CheckAsync(h2, "ready");
        Assert.Equal(HealthStatus.Unhealthy, ready2.Status);
        Assert.Equal("web is backup.", ready2.Entries["virtualip-master"].Description);

        // n1's link goes down: Fault there (unhealthy even for liveness), and n2 takes over (ready now).
        r1.SetLinkState(false);
        await StepUntilAsync(() => r1.State == VrrpState.Fault && r2.State == VrrpState.Master, "n1 fault, n2 master");
        var fault = await CheckAsync(h1);
        Assert.Equal(HealthStatus.Unhealthy, fault.Status);
        Assert.Equal("web is fault.", fault.Entries["virtualip"].Description);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(h2, "ready")).Status);

        await h1.StopAsync(ct);
        await h2.StopAsync(ct);
    }

    [Fact]
    public async Task A_check_names_its_routers_and_an_unknown_one_reports_the_failure_status()
    {
        var (n1, _) = Lan();
        using var h1 = Host(n1, 150, hc => hc
            .AddVirtualIp("web-only", o =>
            {
                o.Routers.Add("web");
                o.Tags.Add("web");
            })
            .AddVirtualIp("typo", o =>
            {
                o.Routers.Add("wbe");
                o.FailureStatus = HealthStatus.Degraded;
                o.Tags.Add("typo");
            }));
        var ct = TestContext.Current.CancellationToken;
        await h1.StartAsync(ct);
        var r1 = h1.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
        await StepUntilAsync(() => r1.State == VrrpState.Master, "n1 master");

        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(h1, "web")).Status);
        var typo = await CheckAsync(h1, "typo");
        Assert.Equal(HealthStatus.Degraded, typo.Status);
        Assert.Equal("no router named 'wbe'.", typo.Entries["typo"].Description);
        await h1.StopAsync(ct);
    }

    [Fact]
    public void Invalid_options_throw_naming_the_value()
    {
        var services = new ServiceCollection();
        var empty = Assert.Throws<ArgumentException>(() => services.AddHealthChecks().AddVirtualIp("bad", o => o.Routers.Add(" ")));
        Assert.Contains("Routers must not contain an empty name", empty.Message);
        var timeout = Assert.Throws<ArgumentException>(() => services.AddHealthChecks().AddVirtualIp(o => o.Timeout = TimeSpan.FromSeconds(-1)));
        Assert.Contains("Timeout '-00:00:01'", timeout.Message);
        Assert.Throws<ArgumentException>(() => services.AddHealthChecks().AddVirtualIp(" "));
    }
}
