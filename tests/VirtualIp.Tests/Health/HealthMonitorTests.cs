using Microsoft.Extensions.Time.Testing;
using VirtualIp.Health;

namespace VirtualIp.Tests.Health;

public sealed class HealthMonitorTests
{
    private static readonly TimeSpan s_first = TimeSpan.FromMilliseconds(1);

    private sealed class Recorder
    {
        private readonly Lock _lock = new();
        public List<HealthChangedEventArgs> Changes { get; } = [];
        public List<(string Name, HealthState State, ProbeResult Result, DateTimeOffset At)> Results { get; } = [];

        public Recorder(HealthMonitor monitor, TimeProvider time)
        {
            monitor.HealthChanged += (_, e) => { lock (_lock) { Changes.Add(e); } };
            monitor.ProbeCompleted += (string name, HealthState state, in ProbeResult r) =>
            {
                var result = r;
                lock (_lock) { Results.Add((name, state, result, time.GetUtcNow())); }
            };
        }

        public int Count(string name) { lock (_lock) { return Results.Count(r => r.Name == name); } }
    }

    private static (FakeTimeProvider Time, HealthMonitor Monitor, Recorder Recorder) Create()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var monitor = new HealthMonitor(time) { NextRandom = static () => 0 };
        return (time, monitor, new Recorder(monitor, time));
    }

    private static HealthCheckOptions Options(string name, int rise = 2, int fall = 3, HealthState initial = HealthState.Down) => new()
    {
        Name = name,
        Interval = TimeSpan.FromSeconds(1),
        Timeout = TimeSpan.FromMilliseconds(500),
        Rise = rise,
        Fall = fall,
        InitialState = initial,
        JitterFraction = 0,
    };

    [Fact]
    public async Task Rise_and_fall_thresholds_drive_transitions()
    {
        var (time, monitor, rec) = Create();
        await using var scope = monitor;
        var healthy = true;
        monitor.Add(Options("rf"), HealthProbes.FromDelegate(() => healthy));

        time.Advance(s_first);
        Assert.Single(rec.Results);
        Assert.True(monitor.TryGetState("rf", out var state));
        Assert.Equal(HealthState.Down, state);
        Assert.Empty(rec.Changes);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HealthState.Up, rec.Results[^1].State);
        var up = Assert.Single(rec.Changes);
        Assert.Equal(("rf", HealthState.Down, HealthState.Up, 2, 0), (up.CheckName, up.OldState, up.NewState, up.ConsecutiveSuccesses, up.ConsecutiveFailures));
        Assert.Equal(time.GetUtcNow(), up.Timestamp);
        Assert.True(up.LastResult.Healthy);

        healthy = false;
        time.Advance(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(rec.Changes);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, rec.Changes.Count);
        var down = rec.Changes[1];
        Assert.Equal((HealthState.Up, HealthState.Down, 0, 3), (down.OldState, down.NewState, down.ConsecutiveSuccesses, down.ConsecutiveFailures));
        Assert.False(down.LastResult.Healthy);
        Assert.Equal(ProbeReasons.Failed, down.LastResult.Reason);

        // A success in between resets the failure count.
        healthy = true;
        time.Advance(TimeSpan.FromSeconds(1));
        healthy = false;
        time.Advance(TimeSpan.FromSeconds(1));
        healthy = true;
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HealthState.Down, rec.Results[^1].State);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HealthState.Up, rec.Results[^1].State);
        Assert.Equal(9, rec.Results.Count);
    }

    [Fact]
    public async Task Initial_state_up_needs_fall_failures_and_unknown_follows_first_result()
    {
        var (time, monitor, rec) = Create();
        await using var scope = monitor;
        monitor.Add(Options("up", fall: 2, initial: HealthState.Up), HealthProbes.FromDelegate(() => false));
        monitor.Add(Options("unknown-bad", initial: HealthState.Unknown), HealthProbes.FromDelegate(() => false));
        monitor.Add(Options("unknown-good", initial: HealthState.Unknown), HealthProbes.FromDelegate(() => true));
        Assert.True(monitor.TryGetState("up", out var s));
        Assert.Equal(HealthState.Up, s);
        Assert.True(monitor.TryGetState("unknown-bad", out s));
        Assert.Equal(HealthState.Unknown, s);
        Assert.False(monitor.TryGetState("missing", out _));

        time.Advance(s_first);
        Assert.True(monitor.TryGetState("up", out s));
        Assert.Equal(HealthState.Up, s);
        Assert.True(monitor.TryGetState("unknown-bad", out s));
        Assert.Equal(HealthState.Down, s);
        Assert.True(monitor.TryGetState("unknown-good", out s));
        Assert.Equal(HealthState.Up, s);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(monitor.TryGetState("up", out s));
        Assert.Equal(HealthState.Down, s);
        Assert.Equal(3, rec.Changes.Count);
    }

    [Fact]
    public async Task Jitter_spreads_checks_within_bounds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var random = new Random(1234);
        var monitor = new HealthMonitor(time) { NextRandom = () => random.NextDouble() };
        await using var scope = monitor;
        var starts = new List<(string Name, DateTimeOffset At)>();
        IHealthProbe Probe(string name) => HealthProbes.FromDelegate(ct => { starts.Add((name, time.GetUtcNow())); return new ValueTask<ProbeResult>(ProbeResult.Success); });
        var interval = TimeSpan.FromSeconds(10);
        monitor.Add(new HealthCheckOptions { Name = "a", Interval = interval, Timeout = TimeSpan.FromSeconds(1), JitterFraction = 0.5 }, Probe("a"));
        monitor.Add(new HealthCheckOptions { Name = "b", Interval = interval, Timeout = TimeSpan.FromSeconds(1), JitterFraction = 0.5 }, Probe("b"));

        for (var i = 0; i < 20_000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        foreach (var name in new[] { "a", "b" })
        {
            var at = starts.Where(s => s.Name == name).Select(s => s.At).ToList();
            Assert.True(at.Count >= 20, $"{name}: {at.Count} probes");
            Assert.InRange(at[0] - DateTimeOffset.UnixEpoch, TimeSpan.Zero, TimeSpan.FromSeconds(5) + TimeSpan.FromMilliseconds(10));
            for (var i = 1; i < at.Count; i++)
            {
                Assert.InRange(at[i] - at[i - 1], TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(10), interval + TimeSpan.FromMilliseconds(10));
            }
        }

        // The two checks do not fire in lockstep.
        var a = starts.Where(s => s.Name == "a").Select(s => s.At).Take(10);
        var b = starts.Where(s => s.Name == "b").Select(s => s.At).Take(10);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public async Task Timeout_cancels_the_probe_and_counts_as_failure()
    {
        var (time, monitor, rec) = Create();
        await using var scope = monitor;
        var cancelled = 0;
        monitor.Add(Options("slow", fall: 1, initial: HealthState.Up), HealthProbes.FromDelegate(async ct =>
        {
            var tcs = new TaskCompletionSource<ProbeResult>();
            using (ct.Register(() => { Interlocked.Increment(ref cancelled); tcs.TrySetCanceled(ct); }))
            {
                return await tcs.Task;
            }
        }));

        time.Advance(s_first);
        Assert.Empty(rec.Results);
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Empty(rec.Results);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var r = Assert.Single(rec.Results);
        Assert.False(r.Result.Healthy);
        Assert.Equal(ProbeReasons.Timeout, r.Result.Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(500), r.Result.Duration);
        Assert.Equal(1, Volatile.Read(ref cancelled));
        Assert.Equal(HealthState.Down, Assert.Single(rec.Changes).NewState);

        // The next cycle starts one interval after the previous start.
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Single(rec.Results);
        time.Advance(TimeSpan.FromMilliseconds(1));
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, rec.Results.Count);
    }

    [Fact]
    public async Task Probe_that_ignores_cancellation_is_not_started_twice()
    {
        var (time, monitor, rec) = Create();
        await using var scope = monitor;
        var calls = 0;
        var tcs = new TaskCompletionSource<ProbeResult>();
        monitor.Add(Options("stuck", initial: HealthState.Up), HealthProbes.FromDelegate(ct => { calls++; return new ValueTask<ProbeResult>(tcs.Task); }));

        time.Advance(s_first);
        time.Advance(TimeSpan.FromMilliseconds(500));
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, calls);
        Assert.Equal([ProbeReasons.Timeout, ProbeReasons.StillRunning], rec.Results.Select(r => r.Result.Reason));

        tcs.SetResult(ProbeResult.Success); // late: ignored, but frees the check
        Assert.Equal(2, rec.Results.Count);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, calls);
        Assert.Equal(3, rec.Results.Count);
    }

    [Fact]
    public async Task Slow_check_does_not_delay_another()
    {
        var (time, monitor, rec) = Create();
        await using var scope = monitor;
        var slow = new TaskCompletionSource<ProbeResult>();
        monitor.Add(new HealthCheckOptions { Name = "slow", Interval = TimeSpan.FromSeconds(30), Timeout = TimeSpan.FromSeconds(20), JitterFraction = 0 },
            HealthProbes.FromDelegate(ct => new ValueTask<ProbeResult>(slow.Task)));
        monitor.Add(new HealthCheckOptions { Name = "fast", Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromMilliseconds(500), JitterFraction = 0 },
            HealthProbes.FromDelegate(() => true));

        time.Advance(s_first);
        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(6, rec.Count("fast"));
        Assert.Equal(0, rec.Count("slow"));
        Assert.All(rec.Results, r => Assert.Equal(TimeSpan.Zero, r.Result.Duration));

        time.Advance(TimeSpan.FromSeconds(1));
        slow.SetResult(ProbeResult.Success);
        var s = Assert.Single(rec.Results, r => r.Name == "slow");
        Assert.Equal(TimeSpan.FromSeconds(6), s.Result.Duration);
    }

    [Fact]
    public async Task Probe_exception_is_a_failure_and_removal_stops_the_check()
    {
        var (time, monitor, rec) = Create();
        await using var scope = monitor;
        var registration = monitor.Add(Options("throws", fall: 1, initial: HealthState.Up), HealthProbes.FromDelegate(
            new Func<CancellationToken, ValueTask<ProbeResult>>(_ => throw new InvalidOperationException("boom"))));
        time.Advance(s_first);
        Assert.Equal(ProbeReasons.Exception, Assert.Single(rec.Results).Result.Reason);

        registration.Dispose();
        Assert.False(monitor.TryGetState("throws", out _));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(rec.Results);

        // The name can be reused once removed.
        monitor.Add(Options("throws"), HealthProbes.FromDelegate(() => true)).Dispose();
    }

    [Fact]
    public async Task Invalid_options_are_rejected_with_the_bad_value()
    {
        await using var monitor = new HealthMonitor(new FakeTimeProvider());
        var probe = HealthProbes.FromDelegate(() => true);
        Assert.Throws<ArgumentException>(() => monitor.Add(new HealthCheckOptions(), probe));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => monitor.Add(new HealthCheckOptions { Name = "x", Rise = 0 }, probe));
        Assert.Contains("Rise", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => monitor.Add(new HealthCheckOptions { Name = "x", Interval = TimeSpan.Zero }, probe));
        Assert.Throws<ArgumentOutOfRangeException>(() => monitor.Add(new HealthCheckOptions { Name = "x", JitterFraction = 0.9 }, probe));
        Assert.Throws<ArgumentOutOfRangeException>(() => monitor.Add(new HealthCheckOptions { Name = "x", Weight = 300 }, probe));
        monitor.Add(new HealthCheckOptions { Name = "x" }, probe);
        var dup = Assert.Throws<ArgumentException>(() => monitor.Add(new HealthCheckOptions { Name = "x" }, probe));
        Assert.Contains("'x'", dup.Message);
    }

    [Fact]
    public async Task Cycle_with_synchronous_probe_allocates_nothing()
    {
        await using var monitor = new HealthMonitor(TimeProvider.System);
        var cached = new ValueTask<ProbeResult>(ProbeResult.Success);
        var count = 0;
        monitor.ProbeCompleted += (string _, HealthState _, in ProbeResult _) => count++;
        monitor.Add(new HealthCheckOptions { Name = "alloc", Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1) },
            HealthProbes.FromDelegate(_ => cached));
        for (var i = 0; i < 1000; i++)
        {
            monitor.RunNow("alloc", reschedule: true);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            monitor.RunNow("alloc", reschedule: true);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(11_000, count);
        Assert.Equal(0, allocated);
    }
}
