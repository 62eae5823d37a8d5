using VirtualIp.Health.Probes;

namespace VirtualIp.Health;

internal sealed partial class HealthMonitor
{
    /// <summary>
    /// One check's schedule and state. All per-cycle state lives in fields (the timeout source is reset and reused, the
    /// pending probe is awaited through a cached continuation), so a cycle allocates nothing of its own.
    /// </summary>
    private sealed class CheckRunner : IDisposable
    {
        private static readonly TimeSpan s_minDelay = TimeSpan.FromMilliseconds(1);
        private static readonly TimerCallback s_onTimer = static s => ((CheckRunner)s!).RunCycle(reschedule: true);
        private static readonly Action<object?> s_onTimeout = static s => ((CheckRunner)s!).OnTimeout();

        private readonly HealthMonitor _monitor;
        private readonly IHealthProbe _probe;
        private readonly TimeProvider _timeProvider;
        private readonly TimeSpan _interval;
        private readonly TimeSpan _timeout;
        private readonly int _rise;
        private readonly int _fall;
        private readonly double _jitter;
        private readonly Action _onPendingCompleted;
        private readonly Lock _gate = new();
        private ITimer? _timer;
        private CancellationTokenSource _cts;
        private CancellationTokenRegistration _registration;
        private ValueTask<ProbeResult> _pending;
        private HealthState _state;
        private int _successes;
        private int _failures;
        private bool _probeRunning;
        private bool _cycleOpen;
        private bool _reschedule;
        private bool _stopped;
        private long _cycleStart;

        public CheckRunner(HealthMonitor monitor, HealthCheckOptions options, IHealthProbe probe)
        {
            _monitor = monitor;
            _probe = probe;
            _timeProvider = monitor._timeProvider;
            Name = options.Name;
            _interval = options.Interval;
            _timeout = options.Timeout;
            _rise = options.Rise;
            _fall = options.Fall;
            _jitter = options.JitterFraction;
            _state = options.InitialState;
            _cts = new CancellationTokenSource(System.Threading.Timeout.InfiniteTimeSpan, _timeProvider);
            _onPendingCompleted = OnPendingCompleted;
        }

        public string Name { get; }

        public HealthState State
        {
            get
            {
                lock (_gate)
                {
                    return _state;
                }
            }
        }

        public void Start()
        {
            var timer = _timeProvider.CreateTimer(s_onTimer, this, System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);
            lock (_gate)
            {
                if (_stopped)
                {
                    timer.Dispose();
                    return;
                }

                _timer = timer;
                var first = TimeSpan.FromTicks((long)(_interval.Ticks * _jitter * _monitor.NextRandom()));
                timer.Change(first < s_minDelay ? s_minDelay : first, System.Threading.Timeout.InfiniteTimeSpan);
            }
        }

        public void RunCycle(bool reschedule)
        {
            CancellationToken token;
            lock (_gate)
            {
                if (_stopped)
                {
                    return;
                }

                if (_cycleOpen)
                {
                    // Only when RunNow overlaps a scheduled cycle: let the open cycle re-arm the timer.
                    _reschedule |= reschedule;
                    return;
                }

                if (_probeRunning)
                {
                    // The previous probe ignored its cancellation: do not pile up another one, count a failure.
                    token = default;
                }
                else
                {
                    if (!_cts.TryReset())
                    {
                        _cts.Dispose();
                        _cts = new CancellationTokenSource(System.Threading.Timeout.InfiniteTimeSpan, _timeProvider);
                    }

                    _probeRunning = true;
                    _cycleOpen = true;
                    _reschedule = reschedule;
                    _cycleStart = _timeProvider.GetTimestamp();
                    token = _cts.Token;
                    _registration = token.UnsafeRegister(s_onTimeout, this);
                    _cts.CancelAfter(_timeout);
                }
            }

            if (!token.CanBeCanceled)
            {
                Finish(ProbeResult.Failure(ProbeReasons.StillRunning), TimeSpan.Zero, reschedule);
                return;
            }

            ValueTask<ProbeResult> probe;
            try
            {
                probe = _probe.ProbeAsync(token);
            }
            catch (Exception ex)
            {
                probe = new ValueTask<ProbeResult>(Fail(ex, token));
            }

            if (probe.IsCompleted)
            {
                Completed(probe, token);
            }
            else
            {
                _pending = probe;
                probe.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onPendingCompleted);
            }
        }

        public void Stop()
        {
            ITimer? timer;
            CancellationTokenSource? running = null;
            lock (_gate)
            {
                if (_stopped)
                {
                    return;
                }

                _stopped = true;
                timer = _timer;
                _timer = null;
                if (_probeRunning)
                {
                    running = _cts;
                }
                else
                {
                    _cts.Dispose();
                }
            }

            timer?.Dispose();
            try
            {
                running?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The probe finished and disposed the source meanwhile.
            }
        }

        public void Dispose()
        {
            Stop();
            _monitor.Remove(this);
        }

        private ProbeResult Fail(Exception ex, CancellationToken token)
        {
            if (ex is OperationCanceledException && token.IsCancellationRequested)
            {
                return ProbeResult.Failure(ProbeReasons.Timeout);
            }

            LogProbeThrew(_monitor._logger, Name, ex);
            return ProbeResult.Failure(ProbeErrors.ReasonFor(ex));
        }

        private void OnPendingCompleted()
        {
            var probe = _pending;
            _pending = default;
            Completed(probe, _cts.Token);
        }

        private void Completed(ValueTask<ProbeResult> probe, CancellationToken token)
        {
            ProbeResult result;
            try
            {
                result = probe.Result;
            }
            catch (Exception ex)
            {
                result = Fail(ex, token);
            }

            bool record;
            bool reschedule;
            long start;
            lock (_gate)
            {
                _probeRunning = false;
                _registration.Unregister();
                _registration = default;
                record = _cycleOpen && !_stopped;
                _cycleOpen = false;
                start = _cycleStart;
                reschedule = _reschedule;
                if (_stopped)
                {
                    _cts.Dispose();
                }
                else
                {
                    // Disarms the timeout so the source can be reused; fails only if it already fired.
                    _cts.TryReset();
                }
            }

            if (record)
            {
                Finish(result, _timeProvider.GetElapsedTime(start), reschedule);
            }
        }

        private void OnTimeout()
        {
            long start;
            bool reschedule;
            lock (_gate)
            {
                if (!_cycleOpen || _stopped)
                {
                    return;
                }

                _cycleOpen = false;
                start = _cycleStart;
                reschedule = _reschedule;
            }

            Finish(ProbeResult.Failure(ProbeReasons.Timeout), _timeProvider.GetElapsedTime(start), reschedule);
        }

        private void Finish(ProbeResult result, TimeSpan elapsed, bool reschedule)
        {
            result = result.WithDuration(elapsed);
            HealthChangedEventArgs? changed = null;
            HealthState state;
            lock (_gate)
            {
                if (_stopped)
                {
                    return;
                }

                if (result.Healthy)
                {
                    _successes = _successes == int.MaxValue ? int.MaxValue : _successes + 1;
                    _failures = 0;
                }
                else
                {
                    _failures = _failures == int.MaxValue ? int.MaxValue : _failures + 1;
                    _successes = 0;
                }

                var old = _state;
                state = old switch
                {
                    HealthState.Unknown => result.Healthy ? HealthState.Up : HealthState.Down,
                    HealthState.Down when _successes >= _rise => HealthState.Up,
                    HealthState.Up when _failures >= _fall => HealthState.Down,
                    _ => old,
                };

                if (state != old)
                {
                    _state = state;
                    changed = new HealthChangedEventArgs(Name, old, state, result, _successes, _failures, _timeProvider.GetUtcNow());
                }
            }

            _monitor.OnProbeCompleted(this, state, result);
            if (changed is not null)
            {
                _monitor.OnHealthChanged(changed);
            }

            if (reschedule)
            {
                var period = _interval - TimeSpan.FromTicks((long)(_interval.Ticks * _jitter * _monitor.NextRandom()));
                var delay = period - elapsed;
                lock (_gate)
                {
                    if (!_stopped)
                    {
                        _timer?.Change(delay < s_minDelay ? s_minDelay : delay, System.Threading.Timeout.InfiniteTimeSpan);
                    }
                }
            }
        }
    }
}
