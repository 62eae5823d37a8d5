namespace VirtualIp.Health;

/// <summary>The state of a health check after rise/fall thresholds are applied.</summary>
public enum HealthState
{
    /// <summary>No result yet: the first probe result decides Up or Down (keepalived's initial script state).</summary>
    Unknown = 0,
    /// <summary>Failing: at least <see cref="HealthCheckOptions.Fall"/> consecutive failures (or initially down).</summary>
    Down = 1,
    /// <summary>Passing: at least <see cref="HealthCheckOptions.Rise"/> consecutive successes (or initially up).</summary>
    Up = 2,
}
