namespace VirtualIp.Control;

/// <summary>
/// Runtime control of one virtual router (get it from <c>IVirtualIpRuntime.GetControl</c>). Every action names who and
/// why, is written to the audit trail as a <see cref="RouterControlEvent"/>, and a state change it causes carries the
/// transition reason <c>Administrative</c>. Overrides live in memory: a restart clears them. An action on a member
/// of a sync group moves the whole group (the members go master and leave it together).
/// </summary>
public interface IVirtualRouterControl
{
    /// <summary>The router's name.</summary>
    string Router { get; }

    /// <summary>The router's state, priorities, overrides and last transition.</summary>
    VirtualRouterStatus GetStatus();

    /// <summary>
    /// Gives mastership up now: a master advertises priority 0 (a backup takes over after Skew_Time) and goes Backup; the
    /// router then does not take over (nor preempt) until <paramref name="comeBackAfter"/> passes or the resign is
    /// cleared. Ends a takeover in progress.
    /// </summary>
    /// <param name="request">Who and why.</param>
    /// <param name="comeBackAfter">How long to stay away (positive), or null until <see cref="Clear"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="comeBackAfter"/> is not positive.</exception>
    /// <exception cref="InvalidOperationException">The router is not running.</exception>
    VirtualRouterStatus Resign(ControlRequest request, TimeSpan? comeBackAfter = null);

    /// <summary>
    /// Maintenance on: like a resign that lasts until maintenance is turned off (a master hands over at once, a backup
    /// never takes over). Ends a takeover in progress. Off: the router takes part in elections again.
    /// </summary>
    /// <exception cref="InvalidOperationException">The router is not running.</exception>
    VirtualRouterStatus SetMaintenance(bool enabled, ControlRequest request);

    /// <summary>
    /// Sets the priority the router uses whatever tracking reports, until cleared (a tracking fault still puts the router
    /// in Fault). A master advertises it at once, so a higher-priority backup can preempt.
    /// </summary>
    /// <param name="priority">1 to 254.</param>
    /// <param name="request">Who and why.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="priority"/> is outside 1..254.</exception>
    /// <exception cref="InvalidOperationException">The router is not running.</exception>
    VirtualRouterStatus OverridePriority(int priority, ControlRequest request);

    /// <summary>
    /// Forced takeover for a drill: becomes master now (the sync group with it) and advertises priority 254 so the
    /// current master steps down, until the takeover is cleared. Clears a resign.
    /// </summary>
    /// <exception cref="InvalidOperationException">The router is not running, is in Fault, or is in maintenance.</exception>
    VirtualRouterStatus Takeover(ControlRequest request);

    /// <summary>Clears the given overrides (those not in force are ignored); the router returns to normal election.</summary>
    /// <exception cref="InvalidOperationException">The router is not running.</exception>
    VirtualRouterStatus Clear(ControlOverrides overrides, ControlRequest request);
}
