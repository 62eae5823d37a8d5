using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Metrics;
using VirtualIp.Addressing;
using VirtualIp.Diagnostics;
using VirtualIp.Election;
using VirtualIp.Hosting;
using VirtualIp.Simulation;
using VirtualIp.Testing;

namespace VirtualIp.OpenTelemetry.Tests;

/// <summary>
/// <c>AddVirtualIpInstrumentation()</c> through the OpenTelemetry SDK (in-memory exporter) on simulated hosts: the
/// takeover histogram uses the advised buckets (so a 609 ms takeover lands in (0.6, 0.8], not in the first default
/// bucket), and the state gauge exports one point per state.
/// </summary>
public sealed class VirtualIpInstrumentationTests
{
    private static readonly double[] s_takeoverBounds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10];

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private IHost Host(SimulatedNode node, int priority, List<MetricSnapshot>? exported)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Configuration.AddInMemoryCollection(RouterSettings.Web(SimulatedNode.InterfaceName, priority));
        builder.Services.AddVirtualIp(builder.Configuration.GetSection("VirtualIp")).UsePlatform(node);
        if (exported is not null)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddVirtualIpInstrumentation().AddInMemoryExporter(exported));
        }

        return builder.Build();
    }

    private Task StepUntilAsync(Func<bool> condition, string what) => FakeClockStepping.StepUntilAsync(_time, _time.Advance, condition, what);

    [Fact]
    public async Task Takeover_histogram_uses_the_advised_buckets_and_state_exports_one_point_per_state()
    {
        var lan = new SimulatedLan();
        var n1 = lan.AddNode("n1", IPAddress.Parse("192.0.2.11"), MacAddress.Parse("02:00:00:00:00:01"));
        var n2 = lan.AddNode("n2", IPAddress.Parse("192.0.2.12"), MacAddress.Parse("02:00:00:00:00:02"));
        var exported = new List<MetricSnapshot>();
        using var h1 = Host(n1, 150, exported: null);
        using var h2 = Host(n2, 100, exported);
        var ct = TestContext.Current.CancellationToken;
        await h1.StartAsync(ct);
        await h2.StartAsync(ct);
        var r1 = h1.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
        var r2 = h2.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
        await StepUntilAsync(() => r1.State == VrrpState.Master && r2.State == VrrpState.Backup, "n1 master, n2 backup");

        // n1 stops (priority 0): n2 takes over after Skew_Time = (256 - 100) / 256 x 1 s = 609 ms.
        await h1.StopAsync(ct);
        await StepUntilAsync(() => r2.State == VrrpState.Master, "n2 master");
        h1.Dispose(); // its meters (same names, another factory) leave, so the state series below are n2's alone
        Assert.True(h2.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000));

        var takeover = exported.Last(m => m.Name == "virtualip.vrrp.takeover.duration");
        Assert.Equal(VirtualIpMeters.Core, takeover.MeterName);
        Assert.Equal("s", takeover.Unit);
        var point = Assert.Single(takeover.MetricPoints);
        var buckets = new List<(double Bound, long Count)>();
        foreach (var b in point.GetHistogramBuckets())
        {
            buckets.Add((b.ExplicitBound, b.BucketCount));
        }

        Assert.Equal([.. s_takeoverBounds, double.PositiveInfinity], buckets.Select(b => b.Bound));
        Assert.Equal(1, buckets.Single(b => b.Bound == 0.8).Count); // (0.6, 0.8]
        Assert.Equal(1, buckets.Sum(b => b.Count));

        var state = exported.Last(m => m.Name == "virtualip.vrrp.state");
        var values = new Dictionary<string, long>();
        foreach (var p in state.MetricPoints)
        {
            string? name = null;
            foreach (var tag in p.Tags)
            {
                if (tag.Key == "virtualip.vrrp.state")
                {
                    name = (string?)tag.Value;
                }
            }

            values[name!] = p.GetGaugeLastValueLong();
        }

        Assert.Equal(new Dictionary<string, long> { ["initialize"] = 0, ["backup"] = 0, ["master"] = 1, ["fault"] = 0 }, values);
        await h2.StopAsync(ct);
    }

    [Fact]
    public void Instrumentation_adds_every_virtualip_meter()
    {
        Assert.Equal(["VirtualIp", "VirtualIp.Balancing", "VirtualIp.Linux"], VirtualIpMeters.All);
        Assert.Throws<ArgumentNullException>(() => VirtualIpMeterProviderBuilderExtensions.AddVirtualIpInstrumentation(null!));
    }
}
