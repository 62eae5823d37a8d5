namespace VirtualIp.Health;

/// <summary>Called when a backend becomes healthy or unhealthy.</summary>
/// <param name="backendId">The backend's id.</param>
/// <param name="healthy">The new health.</param>
/// <param name="reason">Why, for logs.</param>
public delegate void BackendHealthChangedHandler(string backendId, bool healthy, string reason);

/// <summary>
/// Backend health decided outside the forwarder (an application's own checks or signals), for the load balancer: when one
/// is registered, the forwarder takes a backend out while the source says it is unhealthy (matched by backend name).
/// </summary>
public interface IBackendHealthSource
{
    /// <summary>Raised when a backend's combined health changes.</summary>
    event BackendHealthChangedHandler? BackendHealthChanged;

    /// <summary>Whether the backend is healthy; unknown backends are healthy.</summary>
    /// <param name="backendId">The backend's id.</param>
    bool IsHealthy(string backendId);
}
