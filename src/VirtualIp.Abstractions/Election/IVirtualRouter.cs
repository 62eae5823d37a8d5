using System.Net;

namespace VirtualIp.Election;

/// <summary>
/// One VRRP virtual router (one VRID on one interface and address family): elects a master with its peers,
/// binds the VIPs while master and announces them.
/// </summary>
public interface IVirtualRouter : IAsyncDisposable
{
    /// <summary>The configured name (keepalived's vrrp_instance name).</summary>
    string Name { get; }

    /// <summary>The interface the router runs on.</summary>
    string InterfaceName { get; }

    /// <summary>The VRID, 1 to 255.</summary>
    byte VirtualRouterId { get; }

    /// <summary>True for an IPv6 virtual router.</summary>
    bool IsIPv6 { get; }

    /// <summary>The current state.</summary>
    VrrpState State { get; }

    /// <summary>The effective priority (configured priority adjusted by tracking), 1 to 255.</summary>
    int Priority { get; }

    /// <summary>The address of the current master as last seen, or null when unknown.</summary>
    IPAddress? MasterAddress { get; }

    /// <summary>
    /// Raised after every state change, in order, off the timer and receive paths (on the router's action queue, before
    /// the VIPs of that transition are bound or removed). Handlers must not block on <see cref="StopAsync"/>: it waits for the queue.
    /// </summary>
    event EventHandler<VrrpStateChangedEventArgs>? StateChanged;

    /// <summary>Raised when binding, unbinding or announcing failed (also logged). The router keeps running.</summary>
    event EventHandler<VirtualRouterActionFailedEventArgs>? ActionFailed;

    /// <summary>
    /// An advert for this VRID came from a source that is neither this node nor a configured/known peer with a higher
    /// priority (spoof, misconfiguration, split brain). Raised off the engine's lock, at most once per source per 10 s.
    /// </summary>
    event EventHandler<RouterConflictEventArgs>? ConflictDetected;

    /// <summary>Starts the router: optional stale-address cleanup, then Initialize → Backup (or Master for the owner).</summary>
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops the router. A master sends a priority-0 advert (so a backup takes over after Skew_Time) and then removes its VIPs.
    /// Completes when the VIPs are removed and the announcements stopped.
    /// </summary>
    Task StopAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Input from tracking (health checks, scripts, the application): the effective priority and whether the node is faulty.
    /// The priority is clamped to 1..254 (an address owner, priority 255, keeps 255); <paramref name="fault"/> moves the
    /// router to <see cref="VrrpState.Fault"/> until a later call clears it. Cheap to call often; only changes act.
    /// </summary>
    /// <param name="effectivePriority">The priority to advertise.</param>
    /// <param name="fault">True to force the Fault state.</param>
    /// <param name="reason">Why, for the log and the transition event.</param>
    void UpdateTracking(int effectivePriority, bool fault, string reason);

    /// <summary>Input from the interface watcher: link down moves the router to <see cref="VrrpState.Fault"/>, link up back to election.</summary>
    void SetLinkState(bool isUp);
}
