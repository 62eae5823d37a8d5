using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VirtualIp.Health;

/// <summary>
/// Schedules health checks: one TimeProvider timer per check, probes started from the timer callback so a slow check
/// never delays another, a reusable timeout CancellationTokenSource per check, rise/fall thresholds and jitter.
/// A cycle whose probe completes synchronously allocates nothing.
/// </summary>
internal sealed partial class HealthMonitor : IHealthMonitor
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, CheckRunner> _checks = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly HealthMetrics _metrics;
    private bool _disposed;

    /// <summary>Creates a monitor.</summary>
    /// <param name="timeProvider">Clock and timers; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Logger; none when null.</param>
    /// <param name="meterFactory">Creates the "VirtualIp" meter; a process-wide meter is used when null.</param>
    public HealthMonitor(TimeProvider? timeProvider = null, ILogger<HealthMonitor>? logger = null, IMeterFactory? meterFactory = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _metrics = new HealthMetrics(meterFactory);
    }

    /// <inheritdoc />
    public event EventHandler<HealthChangedEventArgs>? HealthChanged;

    /// <inheritdoc />
    public event HealthProbeCompletedHandler? ProbeCompleted;

    /// <summary>Random source in [0, 1) for jitter; replaceable by tests.</summary>
    internal Func<double> NextRandom { get; set; } = static () => Random.Shared.NextDouble();

    /// <inheritdoc />
    public IDisposable Add(HealthCheckOptions options, IHealthProbe probe)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(probe);
        Validate(options);

        var runner = new CheckRunner(this, options, probe);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_checks.TryAdd(options.Name, runner))
            {
                throw new ArgumentException($"A health check named '{options.Name}' already exists.", nameof(options));
            }
        }

        runner.Start();
        return runner;
    }

    /// <inheritdoc />
    public bool TryGetState(string checkName, out HealthState state)
    {
        ArgumentNullException.ThrowIfNull(checkName);
        CheckRunner? runner;
        lock (_lock)
        {
            _checks.TryGetValue(checkName, out runner);
        }

        state = runner?.State ?? HealthState.Unknown;
        return runner is not null;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        CheckRunner[] runners;
        lock (_lock)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }

            _disposed = true;
            runners = [.. _checks.Values];
            _checks.Clear();
        }

        foreach (var runner in runners)
        {
            runner.Stop();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Runs one cycle of a check now, outside its schedule (tests and benchmarks).</summary>
    internal void RunNow(string checkName, bool reschedule = false)
    {
        CheckRunner? runner;
        lock (_lock)
        {
            _checks.TryGetValue(checkName, out runner);
        }

        (runner ?? throw new ArgumentException($"No health check named '{checkName}'.", nameof(checkName))).RunCycle(reschedule);
    }

    internal static void Validate(HealthCheckOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Name))
        {
            throw new ArgumentException("HealthCheckOptions.Name must not be empty.", nameof(options));
        }

        if (options.Interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Interval, $"Health check '{options.Name}': Interval must be positive.");
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Timeout, $"Health check '{options.Name}': Timeout must be positive.");
        }

        if (options.Rise < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Rise, $"Health check '{options.Name}': Rise must be at least 1.");
        }

        if (options.Fall < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Fall, $"Health check '{options.Name}': Fall must be at least 1.");
        }

        if (!Enum.IsDefined(options.InitialState))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.InitialState, $"Health check '{options.Name}': unknown InitialState.");
        }

        if (!(options.JitterFraction >= 0 && options.JitterFraction <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.JitterFraction, $"Health check '{options.Name}': JitterFraction must be between 0 and 0.5.");
        }

        if (options.Weight is < -253 or > 253)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Weight, $"Health check '{options.Name}': Weight must be between -253 and 253.");
        }
    }

    private void Remove(CheckRunner runner)
    {
        lock (_lock)
        {
            if (_checks.TryGetValue(runner.Name, out var current) && ReferenceEquals(current, runner))
            {
                _checks.Remove(runner.Name);
            }
        }
    }

    private void OnProbeCompleted(CheckRunner runner, HealthState state, in ProbeResult result)
    {
        _metrics.Record(runner.Name, result);
        if (result.Healthy)
        {
            LogProbePassed(_logger, runner.Name, result.Reason, result.Duration.TotalMilliseconds);
        }
        else
        {
            LogProbeFailed(_logger, runner.Name, result.Reason, result.Duration.TotalMilliseconds);
        }

        var handler = ProbeCompleted;
        if (handler is not null)
        {
            try
            {
                handler(runner.Name, state, result);
            }
            catch (Exception ex)
            {
                LogHandlerFailed(_logger, runner.Name, ex);
            }
        }
    }

    private void OnHealthChanged(HealthChangedEventArgs args)
    {
        if (args.NewState == HealthState.Up)
        {
            LogCheckUp(_logger, args.CheckName, args.OldState, args.LastResult.Reason, args.ConsecutiveSuccesses);
        }
        else
        {
            LogCheckDown(_logger, args.CheckName, args.OldState, args.LastResult.Reason, args.ConsecutiveFailures);
        }

        try
        {
            HealthChanged?.Invoke(this, args);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(_logger, args.CheckName, ex);
        }
    }
}
