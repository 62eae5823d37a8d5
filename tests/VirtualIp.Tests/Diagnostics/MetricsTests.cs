using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Addressing;
using VirtualIp.Diagnostics;
using VirtualIp.Election;
using VirtualIp.Hosting;
using VirtualIp.Simulation;
using VirtualIp.Testing;

namespace VirtualIp.Tests.Diagnostics;

/// <summary>
/// Every instrument of the <see cref="VirtualIpMeters.Core"/> meter (names and attributes as docs/metrics.md lists them), read with <see cref="MetricCollector{T}"/> from hosts on the
/// simulated LAN and a shared fake clock: n1 (150) master, n2 (100) backup, n3 (50) with the wrong VRRPv2
/// password, whose adverts n1 and n2 must reject.
/// </summary>
public sealed class MetricsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private IHost Host(SimulatedNode node, int priority, string password, string vip = "192.0.2.100/24")
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(_time);
        var settings = RouterSettings.Web(SimulatedNode.InterfaceName, priority, vip: vip);
        settings["VirtualIp:Routers:0:Version"] = "2";
        settings["VirtualIp:Routers:0:AuthPassword"] = password;
        settings["VirtualIp:Announcements:SecondBurstDelay"] = "0s";
        settings["VirtualIp:Announcements:BurstCount"] = "2";
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddVirtualIp(builder.Configuration.GetSection("VirtualIp")).UsePlatform(node);
        return builder.Build();
    }

    private Task StepUntilAsync(Func<bool> condition, string what) => FakeClockStepping.StepUntilAsync(_time, _time.Advance, condition, what);

    private static MetricCollector<T> Collect<T>(IHost host, string instrument)
        where T : struct =>
        new(host.Services.GetRequiredService<IMeterFactory>(), VirtualIpMeters.Core, instrument);

    private static long Sum(MetricCollector<long> c, string tag, string value) =>
        c.GetMeasurementSnapshot().Where(m => Equals(m.Tags[tag], value)).Sum(m => m.Value);

    [Fact]
    public async Task Every_instrument_reports_what_happened()
    {
        var lan = new SimulatedLan();
        var n1 = lan.AddNode("n1", IPAddress.Parse("192.0.2.11"), MacAddress.Parse("02:00:00:00:00:01"));
        var n2 = lan.AddNode("n2", IPAddress.Parse("192.0.2.12"), MacAddress.Parse("02:00:00:00:00:02"));
        var n3 = lan.AddNode("n3", IPAddress.Parse("192.0.2.13"), MacAddress.Parse("02:00:00:00:00:03"));
        using var h1 = Host(n1, 150, "secret");
        using var h2 = Host(n2, 100, "secret");
        // n3 rejects the others' adverts (wrong password), so it elects itself: on a VIP of its own, so that its claim is
        // not a conflict on n1's VIP (which n1 would answer with a defence, one more announcement).
        using var h3 = Host(n3, 50, "wrong", "192.0.2.101/24");
        using var transitions = Collect<long>(h1, "virtualip.vrrp.transitions");
        using var changes = Collect<long>(h1, "virtualip.vip.changes");
        using var announcements = Collect<long>(h1, "virtualip.vip.announcements");
        using var state = Collect<int>(h1, "virtualip.vrrp.state");
        using var priority = Collect<int>(h1, "virtualip.vrrp.priority");
        using var sent = Collect<long>(h1, "virtualip.vrrp.advertisements.sent");
        using var rejected = Collect<long>(h1, "virtualip.vrrp.advertisements.rejected");
        using var received = Collect<long>(h2, "virtualip.vrrp.advertisements.received");
        using var takeover = Collect<double>(h2, "virtualip.vrrp.takeover.duration");
        var ct = TestContext.Current.CancellationToken;
        await h1.StartAsync(ct);
        await h2.StartAsync(ct);
        await h3.StartAsync(ct);
        var r1 = h1.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
        var r2 = h2.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
        await StepUntilAsync(() => r1.State == VrrpState.Master && r2.State == VrrpState.Backup, "n1 master, n2 backup");
        _time.Advance(TimeSpan.FromSeconds(3)); // a few adverts each way
        await StepUntilAsync(() =>
        {
            rejected.RecordObservableInstruments();
            return rejected.GetMeasurementSnapshot().Any(m => Equals(m.Tags["error.type"], "authentication_mismatch") && m.Value > 0);
        }, "n3's adverts rejected by n1 for the password");

        Assert.Equal(1, Sum(transitions, "virtualip.vrrp.state", "master"));
        Assert.Contains(transitions.GetMeasurementSnapshot(), m => Equals(m.Tags["virtualip.router.name"], "web")
            && Equals(m.Tags["virtualip.vrrp.previous_state"], "backup") && Equals(m.Tags["virtualip.vrrp.transition.reason"], "master_down_timer"));
        Assert.Equal(1, Sum(changes, "virtualip.vip.operation", "add"));
        // BurstCount 2 for one VIP at takeover; a master also re-announces (at most once a second) when a lower-priority
        // router advertises, which n2 may do once during start-up on a busy machine: whole bursts of 2, at least one.
        long frames = Sum(announcements, "network.interface.name", SimulatedNode.InterfaceName);
        Assert.True(frames >= 2 && frames % 2 == 0 && frames <= 6, $"announcement frames: {frames}");
        state.RecordObservableInstruments();
        var states = state.GetMeasurementSnapshot().TakeLast(4).ToDictionary(m => (string)m.Tags["virtualip.vrrp.state"]!, m => m.Value);
        Assert.Equal(new Dictionary<string, int> { ["initialize"] = 0, ["backup"] = 0, ["master"] = 1, ["fault"] = 0 }, states);
        Assert.All(state.GetMeasurementSnapshot(), m => Assert.Equal("web", m.Tags["virtualip.router.name"]));
        priority.RecordObservableInstruments();
        Assert.Equal(150, priority.LastMeasurement!.Value);
        sent.RecordObservableInstruments();
        Assert.InRange(sent.LastMeasurement!.Value, 3, 10);     // one a second for the ~3-6 s it has been master
        received.RecordObservableInstruments();
        Assert.InRange(received.LastMeasurement!.Value, 3, 10); // n2 accepted them
        Assert.Empty(takeover.GetMeasurementSnapshot());         // n2 has not taken over yet

        // n1 stops (priority 0): n2 takes over after Skew_Time = (256 - 100) / 256 x 1 s = 609 ms of protocol time.
        await h1.StopAsync(ct);
        Assert.Equal(1, Sum(changes, "virtualip.vip.operation", "remove"));
        await StepUntilAsync(() => takeover.GetMeasurementSnapshot().Count == 1, "n2's takeover measured");
        Assert.InRange(takeover.LastMeasurement!.Value, 0.609 - 0.01, 0.609 + 0.05);
        Assert.Equal("web", takeover.LastMeasurement.Tags["virtualip.router.name"]);
        await h2.StopAsync(ct);
        await h3.StopAsync(ct);
    }
}
