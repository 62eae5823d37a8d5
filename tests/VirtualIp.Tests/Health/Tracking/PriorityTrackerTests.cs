using Microsoft.Extensions.Time.Testing;
using VirtualIp.Binding;
using VirtualIp.Health;
using VirtualIp.Health.Tracking;

namespace VirtualIp.Tests.Health.Tracking;

public sealed class PriorityTrackerTests
{
    private static List<(int Priority, bool Fault, string Reason)> Record(PriorityTracker tracker)
    {
        var events = new List<(int, bool, string)>();
        tracker.EffectivePriorityChanged += (p, f, r) => events.Add((p, f, r));
        return events;
    }

    [Fact]
    public void Positive_weight_is_added_while_up()
    {
        var tracker = new PriorityTracker(100);
        var events = Record(tracker);
        var input = tracker.AddInput("web", 20, initiallyUp: true);
        Assert.Equal(120, tracker.EffectivePriority);
        input.Set(false);
        Assert.Equal(100, tracker.EffectivePriority);
        Assert.False(tracker.IsFault);
        Assert.Equal([120, 100], events.Select(e => e.Priority));
        Assert.Contains("web", events[1].Reason);
        input.Set(false); // unchanged: no event
        Assert.Equal(2, events.Count);
    }

    [Fact]
    public void Negative_weight_is_subtracted_while_down()
    {
        var tracker = new PriorityTracker(100);
        var input = tracker.AddInput("db", -30, initiallyUp: true);
        Assert.Equal(100, tracker.EffectivePriority);
        input.Set(false);
        Assert.Equal(70, tracker.EffectivePriority);
        input.Set(true);
        Assert.Equal(100, tracker.EffectivePriority);
    }

    [Fact]
    public void Weight_zero_faults_while_down()
    {
        var tracker = new PriorityTracker(100);
        var events = Record(tracker);
        var input = tracker.AddInput("eth0", 0, initiallyUp: true);
        Assert.False(tracker.IsFault);
        Assert.Empty(events);
        input.Set(false);
        Assert.True(tracker.IsFault);
        Assert.Equal(100, tracker.EffectivePriority);
        Assert.Equal((100, true), (events[^1].Priority, events[^1].Fault));
        input.Set(true);
        Assert.False(tracker.IsFault);
        Assert.Equal(2, events.Count);
    }

    [Fact]
    public void Effective_priority_is_clamped_to_1_254()
    {
        var tracker = new PriorityTracker(250);
        tracker.AddInput("a", 100, true);
        Assert.Equal(254, tracker.EffectivePriority);

        var low = new PriorityTracker(10);
        low.AddInput("b", -200, false);
        Assert.Equal(1, low.EffectivePriority);
    }

    [Fact]
    public void Owner_priority_255_is_never_changed_but_can_fault()
    {
        var tracker = new PriorityTracker(255);
        var events = Record(tracker);
        var plus = tracker.AddInput("a", 10, true);
        var minus = tracker.AddInput("b", -50, false);
        Assert.Equal(255, tracker.EffectivePriority);
        Assert.Empty(events);
        var fault = tracker.AddInput("c", 0, false);
        Assert.True(tracker.IsFault);
        Assert.Equal(255, tracker.EffectivePriority);
        Assert.Equal((255, true), (events.Single().Priority, events.Single().Fault));
    }

    [Fact]
    public void Weights_combine_and_removal_recomputes()
    {
        var tracker = new PriorityTracker(100);
        var a = tracker.AddInput("a", 10, true);
        var b = tracker.AddInput("b", -25, false);
        tracker.AddInput("c", 5, false);
        Assert.Equal(85, tracker.EffectivePriority);
        b.Dispose();
        Assert.Equal(110, tracker.EffectivePriority);
        b.Set(true); // disposed: ignored
        Assert.Equal(110, tracker.EffectivePriority);
        Assert.Throws<ArgumentOutOfRangeException>(() => tracker.AddInput("d", 254, true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PriorityTracker(0));
    }

    [Fact]
    public async Task Tracks_a_health_check_of_the_monitor()
    {
        var time = new FakeTimeProvider();
        await using var monitor = new HealthMonitor(time) { NextRandom = static () => 0 };
        var healthy = true;
        monitor.Add(new HealthCheckOptions { Name = "svc", Interval = TimeSpan.FromSeconds(1), Rise = 1, Fall = 1, JitterFraction = 0 }, HealthProbes.FromDelegate(() => healthy));
        var tracker = new PriorityTracker(100);
        var events = Record(tracker);
        using var tracking = tracker.TrackCheck(monitor, "svc", 50);
        Assert.Equal(100, tracker.EffectivePriority); // Unknown counts as down

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(150, tracker.EffectivePriority);
        healthy = false;
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(100, tracker.EffectivePriority);
        Assert.Equal([150, 100], events.Select(e => e.Priority));

        tracking.Dispose();
        healthy = true;
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(100, tracker.EffectivePriority);
    }

    [Fact]
    public void Tracks_interface_link_state_from_the_address_watcher()
    {
        var watcher = new FakeWatcher();
        using var tracker = new PriorityTracker(100);
        tracker.TrackInterface(watcher, "eth9", 0, initiallyUp: true);
        watcher.Raise(AddressChangeKind.LinkDown, "eth8");
        Assert.False(tracker.IsFault);
        watcher.Raise(AddressChangeKind.LinkDown, "eth9");
        Assert.True(tracker.IsFault);
        watcher.Raise(AddressChangeKind.AddressAdded, "eth9");
        Assert.True(tracker.IsFault);
        watcher.Raise(AddressChangeKind.LinkUp, "eth9");
        Assert.False(tracker.IsFault);
    }

    private sealed class FakeWatcher : IAddressWatcher
    {
        public event EventHandler<AddressChangedEventArgs>? Changed;

        public void Raise(AddressChangeKind kind, string name) => Changed?.Invoke(this, new AddressChangedEventArgs(kind, 9, name, null, 0));

        public ValueTask StartAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
