using Microsoft.Extensions.Time.Testing;
using VirtualIp.Health;
using VirtualIp.Health.Tracking;

namespace VirtualIp.Tests.Health.Tracking;

public sealed class BackendHealthTrackerTests
{
    private static (FakeTimeProvider Time, BackendHealthTracker Tracker, List<(string Id, bool Healthy, string Reason)> Events) Create(PassiveHealthOptions? options = null)
    {
        var time = new FakeTimeProvider();
        var tracker = new BackendHealthTracker(options ?? new PassiveHealthOptions(), time);
        var events = new List<(string, bool, string)>();
        tracker.BackendHealthChanged += (id, h, r) => events.Add((id, h, r));
        return (time, tracker, events);
    }

    [Fact]
    public void Failure_rate_above_threshold_marks_backend_down_then_reactivates()
    {
        var (time, tracker, events) = Create();
        Assert.True(tracker.IsHealthy("b1"));
        for (var i = 0; i < 7; i++)
        {
            tracker.ReportSuccess("b1");
        }

        tracker.ReportFailure("b1");
        tracker.ReportFailure("b1");
        Assert.True(tracker.IsHealthy("b1")); // 9 attempts: below the minimum count of 10
        tracker.ReportFailure("b1");
        Assert.True(tracker.IsHealthy("b1")); // 3 of 10 = 0.3: not above the threshold
        tracker.ReportFailure("b1");
        Assert.False(tracker.IsHealthy("b1")); // 4 of 11
        var down = Assert.Single(events);
        Assert.Equal(("b1", false), (down.Id, down.Healthy));
        Assert.Contains("4 of 11", down.Reason);
        Assert.True(tracker.IsHealthy("b2"));

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(tracker.IsHealthy("b1"));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(tracker.IsHealthy("b1"));
        Assert.Equal(("b1", true), (events[1].Id, events[1].Healthy));

        // The window starts fresh after reactivation: one failure is not enough.
        tracker.ReportFailure("b1");
        Assert.True(tracker.IsHealthy("b1"));
    }

    [Fact]
    public void Old_failures_leave_the_window()
    {
        var (time, tracker, events) = Create(new PassiveHealthOptions { MinimalTotalCount = 4, DetectionWindow = TimeSpan.FromSeconds(10) });
        tracker.ReportFailure("x");
        tracker.ReportFailure("x");
        tracker.ReportFailure("x");
        time.Advance(TimeSpan.FromSeconds(11));
        tracker.ReportFailure("x"); // the first three are out of the window
        Assert.True(tracker.IsHealthy("x"));
        tracker.ReportFailure("x");
        tracker.ReportFailure("x");
        tracker.ReportFailure("x");
        Assert.False(tracker.IsHealthy("x"));
        Assert.Single(events);
    }

    [Fact]
    public void Active_and_passive_health_combine()
    {
        var (time, tracker, events) = Create(new PassiveHealthOptions { MinimalTotalCount = 1, ReactivationPeriod = TimeSpan.FromSeconds(5) });
        tracker.SetActiveHealth("b", false, "check down");
        Assert.False(tracker.IsHealthy("b"));
        tracker.ReportFailure("b"); // passively down too: no new event
        Assert.Single(events);
        tracker.SetActiveHealth("b", true, "check up");
        Assert.False(tracker.IsHealthy("b")); // still passively down
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(tracker.IsHealthy("b"));
        Assert.Equal([false, true], events.Select(e => e.Healthy));
    }

    [Fact]
    public async Task Active_health_follows_a_monitor_check()
    {
        var (time, tracker, events) = Create();
        await using var monitor = new HealthMonitor(time) { NextRandom = static () => 0 };
        var healthy = false;
        monitor.Add(new HealthCheckOptions { Name = "be-check", Interval = TimeSpan.FromSeconds(1), Rise = 1, Fall = 1, JitterFraction = 0 }, HealthProbes.FromDelegate(() => healthy));
        using var link = tracker.TrackCheck(monitor, "be-check", "be");
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(tracker.IsHealthy("be"));
        healthy = true;
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(tracker.IsHealthy("be"));
        Assert.Equal([("be", false), ("be", true)], events.Select(e => (e.Id, e.Healthy)));
    }

    [Fact]
    public void Reports_allocate_nothing()
    {
        var (_, tracker, _) = Create(new PassiveHealthOptions { MinimalTotalCount = int.MaxValue });
        for (var i = 0; i < 100; i++)
        {
            tracker.ReportSuccess("alloc");
            tracker.ReportFailure("alloc");
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            tracker.ReportSuccess("alloc");
            tracker.ReportFailure("alloc");
            _ = tracker.IsHealthy("alloc");
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Invalid_options_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BackendHealthTracker(new PassiveHealthOptions { FailureRateThreshold = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BackendHealthTracker(new PassiveHealthOptions { MinimalTotalCount = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BackendHealthTracker(new PassiveHealthOptions { ReactivationPeriod = TimeSpan.Zero }));
    }
}
