using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Passive health: connection failures of a backend within a window mark it down (<see cref="Backend.IsHealthy"/> =
/// false, combined with active health by <see cref="BackendHealthFlags"/>) for a reactivation period, after which it is tried again. All time goes through <see cref="TimeProvider"/>.
/// </summary>
internal sealed class PassiveHealth : IDisposable
{
    private readonly int _threshold;
    private readonly TimeSpan _window;
    private readonly TimeSpan _reactivation;
    private readonly TimeProvider _time;
    private readonly ForwarderMetrics _metrics;
    private readonly ILogger _logger;
    private readonly BackendHealthFlags _flags;
    private readonly ConcurrentDictionary<Backend, State> _states = new(ReferenceEqualityComparer.Instance);
    private bool _disposed;
    private long _lastLocalErrorLog;

    /// <summary>Local errors are logged at most this often (they are all counted).</summary>
    private static readonly TimeSpan LocalErrorLogInterval = TimeSpan.FromSeconds(10);

    public PassiveHealth(int threshold, TimeSpan window, TimeSpan reactivation, TimeProvider time, ForwarderMetrics metrics, ILogger logger, BackendHealthFlags flags)
    {
        _flags = flags;
        _threshold = threshold;
        _window = window;
        _reactivation = reactivation;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>
    /// Records a failed attempt with <paramref name="error"/>: a local resource error (<see cref="SocketErrorClassifier"/>)
    /// is counted as such (<c>virtualip.forwarder.local_errors</c>) and never against the backend. Returns true when
    /// the failure was the backend's.
    /// </summary>
    public bool RecordFailure(Backend backend, System.Net.Sockets.SocketError error)
    {
        if (SocketErrorClassifier.IsLocal(error))
        {
            _metrics.LocalError(error);
            long now = _time.GetTimestamp();
            long last = Interlocked.Read(ref _lastLocalErrorLog);
            if ((last == 0 || _time.GetElapsedTime(last, now) >= LocalErrorLogInterval) && Interlocked.CompareExchange(ref _lastLocalErrorLog, now, last) == last)
            {
                ForwarderLog.LocalError(_logger, backend.Name, error);
            }

            return false;
        }

        RecordFailure(backend);
        return true;
    }

    /// <summary>As <see cref="RecordFailure(Backend, System.Net.Sockets.SocketError)"/> for an exception (non-socket exceptions count against the backend).</summary>
    public bool RecordFailure(Backend backend, Exception exception) => exception is System.Net.Sockets.SocketException s
        ? RecordFailure(backend, s.SocketErrorCode)
        : RecordFailureAndTrue(backend);

    public void RecordFailure(Backend backend)
    {
        if (_threshold == 0)
        {
            return;
        }

        var s = _states.GetOrAdd(backend, static _ => new State());
        lock (s)
        {
            if (_disposed)
            {
                return;
            }

            long now = _time.GetTimestamp();
            if (s.Failures == 0 || _time.GetElapsedTime(s.WindowStart, now) > _window)
            {
                s.Failures = 0;
                s.WindowStart = now;
            }

            s.Failures++;
            if (s.Failures < _threshold || s.Timer is not null)
            {
                return;
            }

            _flags.Set(backend, HealthSignal.Passive, down: true);
            _metrics.BackendDown(backend);
            ForwarderLog.BackendDown(_logger, backend.Name, s.Failures, _window, _reactivation);
            s.Timer = _time.CreateTimer(
                static o =>
                {
                    var (self, b, st) = ((PassiveHealth, Backend, State))o!;
                    self.Reactivate(b, st);
                },
                (this, backend, s),
                _reactivation,
                Timeout.InfiniteTimeSpan);
        }
    }

    private bool RecordFailureAndTrue(Backend backend)
    {
        RecordFailure(backend);
        return true;
    }

    public void RecordSuccess(Backend backend)
    {
        if (_threshold != 0 && _states.TryGetValue(backend, out var s))
        {
            lock (s)
            {
                s.Failures = 0;
            }
        }
    }

    public void Dispose()
    {
        foreach (var s in _states.Values)
        {
            lock (s)
            {
                _disposed = true;
                s.Timer?.Dispose();
                s.Timer = null;
            }
        }
    }

    private void Reactivate(Backend backend, State s)
    {
        lock (s)
        {
            s.Timer?.Dispose();
            s.Timer = null;
            s.Failures = 0;
            if (_disposed)
            {
                return;
            }
        }

        _flags.Set(backend, HealthSignal.Passive, down: false);
        ForwarderLog.BackendReactivated(_logger, backend.Name);
    }

    private sealed class State
    {
        public int Failures;
        public long WindowStart;
        public ITimer? Timer;
    }
}
