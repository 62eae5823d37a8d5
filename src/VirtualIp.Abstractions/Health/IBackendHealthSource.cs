namespace VirtualIp.Health;

/// <summary>Called when a backend becomes healthy or unhealthy.</summary>
/// <param name="backendId">The backend's id.</param>
/// <param name="healthy">The new health.</param>
/// <param name="reason">Why, for logs.</param>
public delegate void BackendHealthChangedHandler(string backendId, bool healthy, string reason);

/// <summary>Backend health from active checks and passive signals, for the load balancer.</summary>
public interface IBackendHealthSource
{
    /// <summary>Raised when a backend's combined health changes.</summary>
    event BackendHealthChangedHandler? BackendHealthChanged;

    /// <summary>Whether the backend is healthy; unknown backends are healthy.</summary>
    /// <param name="backendId">The backend's id.</param>
    bool IsHealthy(string backendId);
}

/// <summary>Passive health signals: the forwarder reports the outcome of each connection attempt (no allocation).</summary>
public interface IPassiveHealthReporter
{
    /// <summary>A connection to the backend succeeded.</summary>
    /// <param name="backendId">The backend's id.</param>
    void ReportSuccess(string backendId);

    /// <summary>A connection to the backend failed.</summary>
    /// <param name="backendId">The backend's id.</param>
    void ReportFailure(string backendId);
}

/// <summary>Passive health policy, like YARP's TransportFailureRate: too many failed connections in a window mark a backend down for a while.</summary>
public sealed class PassiveHealthOptions
{
    /// <summary>Failure rate (0 to 1) above which the backend is marked down. Default 0.3.</summary>
    public double FailureRateThreshold { get; set; } = 0.3;

    /// <summary>The sliding window over which the rate is computed. Default 60 s.</summary>
    public TimeSpan DetectionWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Minimum connection attempts in the window before the rate is judged. Default 10.</summary>
    public int MinimalTotalCount { get; set; } = 10;

    /// <summary>How long a passively failed backend stays down before it is tried again. Default 60 s.</summary>
    public TimeSpan ReactivationPeriod { get; set; } = TimeSpan.FromSeconds(60);
}
