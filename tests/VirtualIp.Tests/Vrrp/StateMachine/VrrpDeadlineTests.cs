using Microsoft.Extensions.Time.Testing;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Vrrp.StateMachine;

/// <summary>The Master_Down_Timer's deadline type on its own: arm, lazy reset, cancel, early and stale callbacks.</summary>
public sealed class VrrpDeadlineTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    private static long Ticks(FakeTimeProvider time, int ms) => ms * time.TimestampFrequency / 1000;

    private sealed class Harness
    {
        /// <param name="manualTimers">The deadline's timer is a <see cref="ManualTimer"/> the test fires by hand (over the same fake clock).</param>
        public Harness(bool manualTimers = false)
        {
            Clock = new FakeTimeProvider();
            Timers = manualTimers ? new ManualTimers(Clock) : null;
            Deadline = new VrrpDeadline(Timers ?? (TimeProvider)Clock, Gate, () =>
            {
                Assert.True(Monitor.IsEntered(Gate), "the expiry runs under the owner's lock");
                Expired++;
            });
        }

        public FakeTimeProvider Clock { get; }

        public ManualTimers? Timers { get; }

        /// <summary>The manual timer the deadline created (manual timers only).</summary>
        public ManualTimer Timer => Timers!.Timer!;

        public object Gate { get; } = new();

        public VrrpDeadline Deadline { get; }

        public int Expired { get; private set; }

        public void Arm(int ms)
        {
            lock (Gate)
            {
                Deadline.Arm(Ticks(Clock, ms));
            }
        }

        public void Reset(int ms)
        {
            lock (Gate)
            {
                Deadline.Reset(Ticks(Clock, ms));
            }
        }

        public void Cancel()
        {
            lock (Gate)
            {
                Deadline.Cancel();
            }
        }
    }

    /// <summary>A timer whose callback the test invokes by hand (a callback "in flight"), over a fake clock.</summary>
    internal sealed class ManualTimers(FakeTimeProvider clock) : TimeProvider
    {
        public ManualTimer? Timer { get; private set; }

        public override long TimestampFrequency => clock.TimestampFrequency;

        public override long GetTimestamp() => clock.GetTimestamp();

        public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            Timer = new ManualTimer(callback, state);
    }

    internal sealed class ManualTimer(TimerCallback callback, object? state) : ITimer
    {
        public int Changes { get; private set; }

        public TimeSpan Due { get; private set; } = Timeout.InfiniteTimeSpan;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Changes++;
            Due = dueTime;
            return true;
        }

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public void Expires_once_at_the_deadline_and_not_before()
    {
        var h = new Harness();
        h.Arm(100);
        h.Clock.Advance(99 * Ms);
        Assert.Equal(0, h.Expired);
        lock (h.Gate)
        {
            Assert.True(h.Deadline.IsArmed);
        }

        h.Clock.Advance(Ms);
        Assert.Equal(1, h.Expired);
        h.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, h.Expired);
        lock (h.Gate)
        {
            Assert.False(h.Deadline.IsArmed);
        }
    }

    [Fact]
    public void Reset_to_a_later_deadline_expires_at_the_new_deadline()
    {
        var h = new Harness();
        h.Reset(100);
        h.Clock.Advance(50 * Ms);
        h.Reset(100); // deadline 150: the timer still fires at 100, then re-arms for the remainder
        h.Clock.Advance(50 * Ms);
        Assert.Equal(0, h.Expired);
        h.Clock.Advance(49 * Ms);
        Assert.Equal(0, h.Expired);
        h.Clock.Advance(Ms);
        Assert.Equal(1, h.Expired);
    }

    [Fact]
    public void Reset_and_arm_to_an_earlier_deadline_reschedule_at_once()
    {
        var h = new Harness();
        h.Reset(100);
        h.Reset(10);
        h.Clock.Advance(10 * Ms);
        Assert.Equal(1, h.Expired);

        h.Arm(100);
        h.Arm(20); // priority 0: Skew_Time instead of Master_Down_Interval
        h.Clock.Advance(20 * Ms);
        Assert.Equal(2, h.Expired);
    }

    [Fact]
    public void Arm_to_a_later_deadline_moves_it()
    {
        var h = new Harness();
        h.Arm(10);
        h.Arm(100);
        h.Clock.Advance(99 * Ms);
        Assert.Equal(0, h.Expired);
        h.Clock.Advance(Ms);
        Assert.Equal(1, h.Expired);
    }

    [Fact]
    public void Cancelled_deadline_never_expires_and_can_be_armed_again()
    {
        var h = new Harness();
        h.Arm(100);
        h.Cancel();
        h.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, h.Expired);

        h.Reset(100);
        h.Clock.Advance(100 * Ms);
        Assert.Equal(1, h.Expired);
    }

    [Fact]
    public void Stale_callback_after_a_rearm_does_not_fire_the_old_deadline()
    {
        var h = new Harness(manualTimers: true);
        h.Arm(100);

        // The old schedule's callback is dispatched at 100 ms, but the deadline is re-armed before it takes the lock.
        h.Clock.Advance(100 * Ms);
        h.Arm(100);

        h.Timer.Fire();
        Assert.Equal(0, h.Expired);
        Assert.Equal(100 * Ms, h.Timer.Due); // re-scheduled for the remainder of the new deadline

        h.Clock.Advance(100 * Ms);
        h.Timer.Fire();
        Assert.Equal(1, h.Expired);

        h.Timer.Fire(); // a duplicate late callback: already expired, nothing happens
        Assert.Equal(1, h.Expired);
    }

    [Fact]
    public void Stale_callback_after_a_cancel_does_nothing()
    {
        var h = new Harness(manualTimers: true);
        h.Arm(100);

        h.Clock.Advance(100 * Ms);
        h.Cancel();

        int changes = h.Timer.Changes;
        h.Timer.Fire();
        Assert.Equal(0, h.Expired);
        Assert.Equal(changes, h.Timer.Changes);
    }

    [Fact]
    public void Early_callback_reschedules_for_the_remainder()
    {
        var h = new Harness(manualTimers: true);
        h.Arm(100);

        // A coarse timer clock fires 3 ms early.
        h.Clock.Advance(97 * Ms);
        h.Timer.Fire();
        Assert.Equal(0, h.Expired);
        Assert.Equal(3 * Ms, h.Timer.Due);
        h.Clock.Advance(3 * Ms);
        h.Timer.Fire();
        Assert.Equal(1, h.Expired);
    }

    [Fact]
    public void Reset_to_a_later_deadline_touches_no_timer_and_allocates_nothing()
    {
        var h = new Harness(manualTimers: true);
        long ticks = Ticks(h.Clock, 100);
        lock (h.Gate)
        {
            h.Deadline.Reset(ticks);
            int changes = h.Timer.Changes;
            for (int i = 0; i < 100; i++)
            {
                h.Clock.Advance(Ms);
                h.Deadline.Reset(ticks); // an advert every ms: the deadline moves, the timer stays
            }

            Assert.Equal(changes, h.Timer.Changes);

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                h.Deadline.Reset(ticks);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(h.Clock.GetTimestamp() + ticks, h.Deadline.Deadline);
        }
    }

    [Fact]
    public async Task Rearm_while_the_callback_waits_for_the_lock_defers_the_expiry()
    {
        var h = new Harness();
        h.Arm(100);
        var due = h.Clock.GetUtcNow() + (100 * Ms);
        Task advancing;
        lock (h.Gate)
        {
            // The timer fires on another thread and blocks on the owner's lock we hold.
            advancing = Task.Run(() => h.Clock.Advance(100 * Ms), TestContext.Current.CancellationToken);
            Assert.True(SpinWait.SpinUntil(() => h.Clock.GetUtcNow() >= due, TimeSpan.FromSeconds(10)));

            // Re-armed while that callback is in flight: it must not expire the old deadline.
            h.Deadline.Arm(Ticks(h.Clock, 100));
        }

        await advancing.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(0, h.Expired);
        h.Clock.Advance(99 * Ms);
        Assert.Equal(0, h.Expired);
        h.Clock.Advance(Ms);
        Assert.Equal(1, h.Expired);
    }

    [Fact]
    public void Disposed_deadline_ignores_its_callback()
    {
        var h = new Harness(manualTimers: true);
        lock (h.Gate)
        {
            h.Deadline.Arm(Ticks(h.Clock, 10));
            h.Deadline.Dispose();
        }

        h.Clock.Advance(10 * Ms);
        h.Timer.Fire();
        Assert.Equal(0, h.Expired);
    }
}
