namespace VirtualIp.Vrrp;

/// <summary>
/// A one-shot deadline in <see cref="TimeProvider"/> timestamps over a single <see cref="ITimer"/> (the router's
/// Master_Down_Timer). <see cref="Arm"/> moves the deadline and re-schedules the timer; <see cref="Reset"/> moves it
/// without touching the timer unless the new deadline is earlier than what is scheduled (the timer fires at the old
/// time, finds the deadline moved and re-schedules for the remainder), so the per-advert reset costs neither a syscall
/// nor an allocation; <see cref="Cancel"/> disarms it.
/// </summary>
/// <remarks>
/// Every member runs under the owner's lock (the gate given to the constructor), and so does the timer callback and the
/// expiry action it invokes. A callback can be stale: already running on a pool thread when the deadline was re-armed
/// or cancelled, or fired early by a coarse clock. It re-checks under the lock against the deadline as it is now (not
/// the one it was scheduled for): disarmed → nothing; not yet due → re-scheduled for the remainder; due → expires once.
/// So a stale callback never expires an old deadline, and the timer needs no per-schedule state (no allocation).
/// </remarks>
internal sealed class VrrpDeadline : IDisposable
{
    private readonly object _gate;
    private readonly TimeProvider _time;
    private readonly long _frequency;
    private readonly Action _onExpired;
    private readonly ITimer _timer;
    private long _deadline;
    private bool _armed;
    private bool _scheduled;
    private long _scheduledFor;
    private bool _disposed;

    /// <param name="time">The clock and timer source.</param>
    /// <param name="gate">The owner's lock: callers hold it; the expiry runs under it.</param>
    /// <param name="onExpired">Runs under <paramref name="gate"/> once the deadline has passed while armed.</param>
    public VrrpDeadline(TimeProvider time, object gate, Action onExpired)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(onExpired);
        _time = time;
        _gate = gate;
        _onExpired = onExpired;
        _frequency = time.TimestampFrequency;
        _timer = time.CreateTimer(static s => ((VrrpDeadline)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>True while a deadline is pending (armed and not yet expired or cancelled).</summary>
    public bool IsArmed => _armed;

    /// <summary>The pending deadline (a timestamp of the <see cref="TimeProvider"/>); meaningful while <see cref="IsArmed"/>.</summary>
    public long Deadline => _deadline;

    /// <summary>Sets the deadline to now + <paramref name="ticks"/> (earlier or later than before) and re-schedules the timer.</summary>
    /// <param name="ticks">Timestamp ticks from now.</param>
    public void Arm(long ticks)
    {
        long deadline = _time.GetTimestamp() + ticks;
        _deadline = deadline;
        _armed = true;
        Schedule(deadline, ticks);
    }

    /// <summary>
    /// Sets the deadline to now + <paramref name="ticks"/>; the timer is re-scheduled only when nothing is scheduled or
    /// the new deadline comes before the scheduled one (otherwise the scheduled callback re-arms for the remainder).
    /// </summary>
    /// <param name="ticks">Timestamp ticks from now.</param>
    public void Reset(long ticks)
    {
        long deadline = _time.GetTimestamp() + ticks;
        _deadline = deadline;
        _armed = true;
        if (!_scheduled || deadline < _scheduledFor)
        {
            Schedule(deadline, ticks);
        }
    }

    /// <summary>Disarms the deadline; a callback already in flight finds it disarmed and does nothing.</summary>
    public void Cancel()
    {
        _armed = false;
        if (_scheduled)
        {
            _scheduled = false;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Stops the timer for good (under the owner's lock).</summary>
    public void Dispose()
    {
        _disposed = true;
        _armed = false;
        _scheduled = false;
        _timer.Dispose();
    }

    private void Schedule(long deadline, long ticks)
    {
        _scheduled = true;
        _scheduledFor = deadline;
        _timer.Change(ToTimeSpan(ticks), Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (!_scheduled || !_armed || _disposed)
            {
                return; // cancelled (or superseded and already expired) while this callback was in flight
            }

            // Early (coarse timer clock) or stale (the deadline moved since this was scheduled): re-arm for the remainder.
            long now = _time.GetTimestamp();
            _scheduled = false;
            if (now < _deadline)
            {
                Schedule(_deadline, _deadline - now);
                return;
            }

            _armed = false;
            _onExpired();
        }
    }

    /// <summary>Timestamp ticks to a <see cref="TimeSpan"/>, rounded up so the timer never fires before the deadline.</summary>
    private TimeSpan ToTimeSpan(long timestampTicks) =>
        TimeSpan.FromTicks(((timestampTicks * TimeSpan.TicksPerSecond) + _frequency - 1) / _frequency);
}
