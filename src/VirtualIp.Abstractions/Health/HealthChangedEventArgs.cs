namespace VirtualIp.Health;

/// <summary>A health check changed state (raised only on transitions).</summary>
public sealed class HealthChangedEventArgs : EventArgs
{
    /// <summary>Creates the event.</summary>
    public HealthChangedEventArgs(string checkName, HealthState oldState, HealthState newState, ProbeResult lastResult,
        int consecutiveSuccesses, int consecutiveFailures, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(checkName);
        CheckName = checkName;
        OldState = oldState;
        NewState = newState;
        LastResult = lastResult;
        ConsecutiveSuccesses = consecutiveSuccesses;
        ConsecutiveFailures = consecutiveFailures;
        Timestamp = timestamp;
    }

    /// <summary>The check's <see cref="HealthCheckOptions.Name"/>.</summary>
    public string CheckName { get; }

    /// <summary>The state before.</summary>
    public HealthState OldState { get; }

    /// <summary>The state now.</summary>
    public HealthState NewState { get; }

    /// <summary>The probe result that caused the change.</summary>
    public ProbeResult LastResult { get; }

    /// <summary>Consecutive successes including the last result.</summary>
    public int ConsecutiveSuccesses { get; }

    /// <summary>Consecutive failures including the last result.</summary>
    public int ConsecutiveFailures { get; }

    /// <summary>When the change happened (from the monitor's TimeProvider).</summary>
    public DateTimeOffset Timestamp { get; }
}
