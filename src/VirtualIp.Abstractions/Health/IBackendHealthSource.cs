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
