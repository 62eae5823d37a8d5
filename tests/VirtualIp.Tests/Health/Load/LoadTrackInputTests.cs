using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Health.Load;
using VirtualIp.Health.Tracking;

namespace VirtualIp.Tests.Health.Load;

public sealed class LoadTrackInputTests
{
    private static LoadTrack Track(int weight = -60, int samples = 2, double holdSeconds = 10) =>
        new("web", LoadSource.CpuPressure, LoadScope.Process, null, High: 30, Low: 10, weight, TimeSpan.FromSeconds(holdSeconds), TimeSpan.FromSeconds(1), samples);

    /// <summary>Readings served one per sample; the last one repeats.</summary>
    private sealed class Readings(params double[] values) : ILoadReader
    {
        private int _next;

        public double[] Values { get; set; } = values;

        public bool TryRead(out double value)
        {
            value = Values[Math.Min(_next++, Values.Length - 1)];
            return true;
        }
    }

    [Fact]
    public void Load_fluctuating_around_the_threshold_moves_the_priority_once_with_the_reading_in_the_reason()
    {
        var time = new FakeTimeProvider();
        var tracker = new PriorityTracker(150, "web");
        var changes = new List<(int Priority, string Reason)>();
        tracker.EffectivePriorityChanged += (p, _, r) => changes.Add((p, r));
        // two samples over 30 → loaded; then a minute swinging 5 ↔ 45 every second (beyond both edges, never twice in a row below).
        var readings = new Readings([40, 42, .. Enumerable.Range(0, 60).Select(i => i % 2 == 0 ? 5.0 : 45.0)]);
        using var input = new LoadTrackInput(Track(), readings, tracker, time);
        Assert.Equal(150, tracker.EffectivePriority);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(changes); // one sample over: not yet
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(90, tracker.EffectivePriority);
        for (int s = 0; s < 60; s++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var change = Assert.Single(changes);
        Assert.Equal(90, change.Priority);
        Assert.Contains("'load CpuPressure/Process' loaded: 42.0 % at or above 30 for 2 sample(s) (weight -60): priority 150 -> 90", change.Reason);
        Assert.True(input.IsLoaded);
        Assert.Equal(45, input.LastValue);
    }

    [Fact]
    public void Load_gone_restores_the_priority_only_after_the_hold_time()
    {
        var time = new FakeTimeProvider();
        var tracker = new PriorityTracker(150, "web");
        var readings = new Readings(50, 50, 0);
        using var input = new LoadTrackInput(Track(holdSeconds: 10), readings, tracker, time);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(90, tracker.EffectivePriority); // loaded at t = 2 s
        time.Advance(TimeSpan.FromSeconds(9)); // idle since t = 3 s, two samples by t = 4 s, but held until t = 12 s
        Assert.Equal(90, tracker.EffectivePriority);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(150, tracker.EffectivePriority);
        Assert.StartsWith("'load CpuPressure/Process' normal: 0.0 % at or below 10", tracker.Reason);
    }

    [Fact]
    public void A_positive_weight_is_added_while_normal_and_dispose_removes_the_item()
    {
        var time = new FakeTimeProvider();
        var tracker = new PriorityTracker(100, "web");
        var input = new LoadTrackInput(Track(weight: 20, samples: 1), new Readings(50), tracker, time);
        Assert.Equal(120, tracker.EffectivePriority);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(100, tracker.EffectivePriority);
        input.Dispose();
        time.Advance(TimeSpan.FromSeconds(5)); // the timer is gone: nothing more
        Assert.Equal(100, tracker.EffectivePriority);
    }

    [Fact]
    public void The_gauge_reports_the_last_reading_by_router_and_source()
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var gauge = new MetricCollector<double>(factory, VirtualIp.Diagnostics.VirtualIpMeters.Core, "virtualip.vrrp.load");
        var time = new FakeTimeProvider();
        var tracking = new LoadTracking(time, meterFactory: factory, readers: _ => new Readings(12.5));
        using (tracking.Start(Track(), new PriorityTracker(100, "web")))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            gauge.RecordObservableInstruments();
            var m = gauge.LastMeasurement!;
            Assert.Equal(12.5, m.Value);
            Assert.Equal("web", m.Tags["virtualip.router.name"]);
            Assert.Equal("cpu_pressure", m.Tags["virtualip.load.source"]);
        }

        gauge.Clear();
        gauge.RecordObservableInstruments();
        Assert.Empty(gauge.GetMeasurementSnapshot()); // stopped tracks report nothing
    }
}
