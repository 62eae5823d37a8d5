using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>
/// A master's re-announcement of its VIPs when a lower-priority router advertises (keepalived's
/// garp_lower_prio_repeat): that router believed it was master and may have announced the VIPs, so clients' ARP/ND
/// caches can point at it. At most one re-announcement a second; one asked for inside that window is deferred to the
/// window's end (at most one pending, on <see cref="TimeProvider"/> through a <see cref="VrrpDeadline"/>), never
/// dropped, and cancelled when the router leaves Master.
/// </summary>
/// <remarks>
/// Why deferred: the loser's last advert (sent as it yields) is often the only packet that tells the master the client
/// may have followed the loser. The chaos harness (seed 2026, fault #60, advert loss of the master for 921 ms) saw it
/// arrive 0.64 s after the master's previous re-announcement; it was dropped, and the client's IPv6 neighbour entry
/// stayed on the loser for 4.4 s, until the client re-resolved it.
/// </remarks>
internal sealed partial class VrrpRouter
{
    // When a master last re-announced because a lower-priority router advertised (0 = never; guarded by _gate).
    private long _lastReannounce;

    // The deferred re-announcement (armed for the end of the window; cancelled on leaving Master).
    private readonly VrrpDeadline _reannounceTimer;

    /// <summary>True while a deferred re-announcement is pending (tests).</summary>
    internal bool ReannouncePendingForTests
    {
        get
        {
            lock (_gate)
            {
                return _reannounceTimer.IsArmed;
            }
        }
    }

    /// <summary>
    /// A lower-priority advert reached this master: re-announce now, or at the end of the one-second window when the last
    /// re-announcement was less than a second ago. Allocation-free (the timer exists already).
    /// </summary>
    private void RequestReannounceLocked()
    {
        long now = _time.GetTimestamp();
        long due = _lastReannounce + _frequency;
        if (_lastReannounce == 0 || now >= due)
        {
            _reannounceTimer.Cancel();
            ReannounceNowLocked(now);
        }
        else if (!_reannounceTimer.IsArmed)
        {
            _reannounceTimer.Arm(due - now);
        }
    }

    /// <summary>The deferred re-announcement is due (under the lock; <see cref="VrrpDeadline"/> has dropped stale callbacks).</summary>
    private void OnReannounceDueLocked()
    {
        if (_running && _state == VrrpState.Master)
        {
            ReannounceNowLocked(_time.GetTimestamp());
        }
    }

    private void ReannounceNowLocked(long now)
    {
        _lastReannounce = now;
        EnqueueLocked(new VrrpAction(VrrpActionKind.StartAnnouncing));
    }

    /// <summary>Leaving Master (or stopping): a pending re-announcement must not go out.</summary>
    private void CancelReannounceLocked() => _reannounceTimer.Cancel();
}
