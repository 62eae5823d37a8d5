using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using System.Diagnostics.Metrics;
using VirtualIp.Health;

namespace VirtualIp.Tests.Health;

public sealed class HealthServiceCollectionTests
{
    [Fact]
    public async Task Registers_the_monitor_and_records_metrics()
    {
        var time = new FakeTimeProvider();
        var services = new ServiceCollection()
            .AddMetrics()
            .AddLogging()
            .AddSingleton<TimeProvider>(time)
            .AddVirtualIpHealth();
        await using var provider = services.BuildServiceProvider();

        var monitor = provider.GetRequiredService<IHealthMonitor>();
        Assert.Null(provider.GetService<IBackendHealthSource>()); // passive health is the forwarder's own

        var meterFactory = provider.GetRequiredService<IMeterFactory>();
        using var checks = new MetricCollector<long>(meterFactory, VirtualIp.Diagnostics.VirtualIpMeters.Core, "virtualip.health.checks");
        using var durations = new MetricCollector<double>(meterFactory, VirtualIp.Diagnostics.VirtualIpMeters.Core, "virtualip.health.check.duration");

        var ok = true;
        monitor.Add(new HealthCheckOptions { Name = "di-check", Interval = TimeSpan.FromSeconds(1), JitterFraction = 0 }, HealthProbes.FromDelegate(() => ok));
        time.Advance(TimeSpan.FromSeconds(1));
        ok = false;
        time.Advance(TimeSpan.FromSeconds(1));

        var measurements = checks.GetMeasurementSnapshot();
        Assert.Equal(2, measurements.Count);
        Assert.Equal("di-check", measurements[0].Tags["virtualip.health.check.name"]);
        Assert.Equal("success", measurements[0].Tags["virtualip.health.check.result"]);
        Assert.Equal("failure", measurements[1].Tags["virtualip.health.check.result"]);
        Assert.Equal(2, durations.GetMeasurementSnapshot().Count);
    }
}
