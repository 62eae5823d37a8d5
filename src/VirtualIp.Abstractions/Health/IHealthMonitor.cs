namespace VirtualIp.Health;

/// <summary>Called after every probe with its result (no allocation per call).</summary>
/// <param name="checkName">The check's name.</param>
/// <param name="state">The check's state after applying the result.</param>
/// <param name="result">The result, with its measured duration.</param>
public delegate void HealthProbeCompletedHandler(string checkName, HealthState state, in ProbeResult result);

/// <summary>
/// Runs health checks on their intervals, concurrently, with timeouts, rise/fall thresholds and jitter, and reports
/// state changes. Dispose to stop every check.
/// </summary>
public interface IHealthMonitor : IAsyncDisposable
{
    /// <summary>Raised when a check changes state.</summary>
    event EventHandler<HealthChangedEventArgs>? HealthChanged;

    /// <summary>Raised after every probe.</summary>
    event HealthProbeCompletedHandler? ProbeCompleted;

    /// <summary>Adds a check and starts it. Options are copied; later changes to them have no effect.</summary>
    /// <param name="options">Name, interval, timeout, thresholds, initial state, jitter, weight.</param>
    /// <param name="probe">What to run.</param>
    /// <returns>Dispose to remove the check (a running probe is cancelled).</returns>
    /// <exception cref="ArgumentException">The options are invalid or the name is already used.</exception>
    IDisposable Add(HealthCheckOptions options, IHealthProbe probe);

    /// <summary>Gets a check's current state.</summary>
    /// <param name="checkName">The check's name.</param>
    /// <param name="state">The state, when found.</param>
    /// <returns>False when no check has that name.</returns>
    bool TryGetState(string checkName, out HealthState state);
}
