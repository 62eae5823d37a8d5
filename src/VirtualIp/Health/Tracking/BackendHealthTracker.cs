using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VirtualIp.Health.Tracking;

/// <summary>
/// Backend health for the load balancer: active health checks combined with passive connection outcomes. Passive policy
/// (YARP's TransportFailureRate): when, within the detection window, at least <see cref="PassiveHealthOptions.MinimalTotalCount"/>
/// attempts were made and the failure rate exceeds <see cref="PassiveHealthOptions.FailureRateThreshold"/>, the backend is
/// marked down for <see cref="PassiveHealthOptions.ReactivationPeriod"/>, then back up with a fresh window.
/// A backend is healthy when its active check (if any) is up and it is not passively down. Reports allocate nothing.
/// </summary>
internal sealed partial class BackendHealthTracker : IBackendHealthSource, IPassiveHealthReporter, IDisposable
{
    private const int BucketCount = 10;
    private const string ReactivatedReason = "passive reactivation period elapsed";
    private static readonly Func<string, BackendHealthTracker, Backend> s_create = static (id, tracker) => new Backend(id, tracker);

    private readonly ConcurrentDictionary<string, Backend> _backends = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly double _threshold;
    private readonly int _minimalTotal;
    private readonly TimeSpan _window;
    private readonly TimeSpan _reactivation;
    private readonly long _bucketTicks;
    private bool _disposed;

    /// <summary>Creates a tracker.</summary>
    /// <param name="options">Passive policy; defaults when null.</param>
    /// <param name="timeProvider">Clock and timers; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Logger; none when null.</param>
    public BackendHealthTracker(PassiveHealthOptions? options = null, TimeProvider? timeProvider = null, ILogger<BackendHealthTracker>? logger = null)
    {
        options ??= new PassiveHealthOptions();
        if (!(options.FailureRateThreshold is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.FailureRateThreshold, "PassiveHealthOptions.FailureRateThreshold must be between 0 and 1.");
        }

        if (options.DetectionWindow <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DetectionWindow, "PassiveHealthOptions.DetectionWindow must be positive.");
        }

        if (options.ReactivationPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ReactivationPeriod, "PassiveHealthOptions.ReactivationPeriod must be positive.");
        }

        if (options.MinimalTotalCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MinimalTotalCount, "PassiveHealthOptions.MinimalTotalCount must be at least 1.");
        }

        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _threshold = options.FailureRateThreshold;
        _minimalTotal = options.MinimalTotalCount;
        _window = options.DetectionWindow;
        _reactivation = options.ReactivationPeriod;
        _bucketTicks = Math.Max(1, (long)(_window.TotalSeconds * _timeProvider.TimestampFrequency / BucketCount));
    }

    /// <inheritdoc />
    public event BackendHealthChangedHandler? BackendHealthChanged;

    /// <inheritdoc />
    public bool IsHealthy(string backendId)
    {
        ArgumentNullException.ThrowIfNull(backendId);
        return !_backends.TryGetValue(backendId, out var b) || b.Healthy;
    }

    /// <inheritdoc />
    public void ReportSuccess(string backendId) => Report(backendId, failed: false);

    /// <inheritdoc />
    public void ReportFailure(string backendId) => Report(backendId, failed: true);

    /// <summary>Sets the active health of a backend (from a health check).</summary>
    /// <param name="backendId">The backend's id.</param>
    /// <param name="healthy">Whether the active check is up.</param>
    /// <param name="reason">Why, for the event and logs.</param>
    public void SetActiveHealth(string backendId, bool healthy, string reason)
    {
        ArgumentNullException.ThrowIfNull(backendId);
        var b = _backends.GetOrAdd(backendId, s_create, this);
        bool changed;
        bool now;
        lock (b.Gate)
        {
            b.ActiveHealthy = healthy;
            changed = b.UpdateCombined();
            now = b.Healthy;
        }

        if (changed)
        {
            Raise(backendId, now, reason);
        }
    }

    /// <summary>Drives a backend's active health from a check of <paramref name="monitor"/>.</summary>
    /// <param name="monitor">The monitor running the check.</param>
    /// <param name="checkName">The check's name.</param>
    /// <param name="backendId">The backend's id.</param>
    /// <returns>Dispose to stop.</returns>
    public IDisposable TrackCheck(IHealthMonitor monitor, string checkName, string backendId)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentException.ThrowIfNullOrEmpty(checkName);
        ArgumentException.ThrowIfNullOrEmpty(backendId);
        void OnChanged(object? sender, HealthChangedEventArgs e)
        {
            if (string.Equals(e.CheckName, checkName, StringComparison.Ordinal) && e.NewState != HealthState.Unknown)
            {
                SetActiveHealth(backendId, e.NewState == HealthState.Up, e.LastResult.Reason);
            }
        }

        monitor.HealthChanged += OnChanged;
        if (monitor.TryGetState(checkName, out var state) && state != HealthState.Unknown)
        {
            SetActiveHealth(backendId, state == HealthState.Up, "initial check state");
        }

        return new Unsubscriber(() => monitor.HealthChanged -= OnChanged);
    }

    /// <summary>Stops reactivation timers.</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var b in _backends.Values)
        {
            lock (b.Gate)
            {
                b.Timer?.Dispose();
                b.Timer = null;
            }
        }
    }

    private void Report(string backendId, bool failed)
    {
        ArgumentNullException.ThrowIfNull(backendId);
        var b = _backends.GetOrAdd(backendId, s_create, this);
        int total;
        int failures;
        lock (b.Gate)
        {
            if (b.PassiveDown)
            {
                return;
            }

            var bucket = _timeProvider.GetTimestamp() / _bucketTicks;
            var slot = (int)(bucket % BucketCount);
            if (b.BucketIds[slot] != bucket)
            {
                b.BucketIds[slot] = bucket;
                b.Successes[slot] = 0;
                b.Failures[slot] = 0;
            }

            if (!failed)
            {
                b.Successes[slot]++;
                return;
            }

            b.Failures[slot]++;
            total = 0;
            failures = 0;
            for (var i = 0; i < BucketCount; i++)
            {
                if (b.BucketIds[i] > bucket - BucketCount)
                {
                    total += b.Successes[i] + b.Failures[i];
                    failures += b.Failures[i];
                }
            }

            if (total < _minimalTotal || (double)failures / total <= _threshold || _disposed)
            {
                return;
            }

            b.PassiveDown = true;
            b.ClearWindow();
            b.Timer ??= _timeProvider.CreateTimer(static s => ((Backend)s!).Reactivate(), b, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            b.Timer.Change(_reactivation, Timeout.InfiniteTimeSpan);
            if (!b.UpdateCombined())
            {
                return;
            }
        }

        var reason = string.Create(CultureInfo.InvariantCulture,
            $"passive: {failures} of {total} connections failed within {_window.TotalSeconds:0.###} s (threshold {_threshold:0.###})");
        Raise(backendId, false, reason);
    }

    private void Raise(string backendId, bool healthy, string reason)
    {
        LogBackendHealthChanged(_logger, backendId, healthy, reason);
        try
        {
            BackendHealthChanged?.Invoke(backendId, healthy, reason);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(_logger, backendId, ex);
        }
    }

    [LoggerMessage(EventId = 1220, Level = LogLevel.Information, Message = "Backend '{Backend}' healthy: {Healthy} ({Reason}).")]
    private static partial void LogBackendHealthChanged(ILogger logger, string backend, bool healthy, string reason);

    [LoggerMessage(EventId = 1221, Level = LogLevel.Error, Message = "A BackendHealthChanged handler for backend '{Backend}' threw.")]
    private static partial void LogHandlerFailed(ILogger logger, string backend, Exception exception);

    private sealed class Backend(string id, BackendHealthTracker owner)
    {
        public readonly Lock Gate = new();
        public readonly long[] BucketIds = CreateIds();
        public readonly int[] Successes = new int[BucketCount];
        public readonly int[] Failures = new int[BucketCount];
        public bool ActiveHealthy = true;
        public bool PassiveDown;
        public bool Healthy = true;
        public ITimer? Timer;

        public bool UpdateCombined()
        {
            var healthy = ActiveHealthy && !PassiveDown;
            if (healthy == Healthy)
            {
                return false;
            }

            Healthy = healthy;
            return true;
        }

        public void ClearWindow()
        {
            Array.Fill(BucketIds, long.MinValue);
            Array.Clear(Successes);
            Array.Clear(Failures);
        }

        public void Reactivate()
        {
            bool changed;
            lock (Gate)
            {
                if (!PassiveDown)
                {
                    return;
                }

                PassiveDown = false;
                ClearWindow();
                changed = UpdateCombined();
            }

            if (changed)
            {
                owner.Raise(id, true, ReactivatedReason);
            }
        }

        private static long[] CreateIds()
        {
            var ids = new long[BucketCount];
            Array.Fill(ids, long.MinValue);
            return ids;
        }
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
