using Microsoft.Extensions.Logging;

namespace VirtualIp.Vrrp;

/// <summary>
/// A takeover waits for adverts already queued: when the Master_Down_Timer expires while received datagrams still wait
/// in the transport's queue (<see cref="Election.IVrrpReceiveBacklog"/>), the backup's receive loop was starved and its
/// timer was not. The takeover is re-checked every millisecond until the queue is empty (an advert from the master read
/// meanwhile resets the timer, and the takeover never happens), for at most one of the master's advert intervals (so
/// a flood of packets cannot hold a takeover off for longer). Allocation-free; on <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// Found by the chaos harness (docs/chaos.md): seed 42 fault #3, seed 2026 fault #17 and mixed fault #68: under a CPU hog
/// a starved backup went Master for 1–10 ms with the master's adverts in its socket queue; the bind it queued (or, in
/// #68, had already started) left two nodes holding the VIP for up to 141 ms.
/// </remarks>
internal sealed partial class VrrpRouter
{
    private static readonly TimeSpan s_queuedAdvertRecheck = TimeSpan.FromMilliseconds(1);

    // When the current wait for queued adverts began (0 = not waiting), and the re-check deadline it armed last (a
    // different deadline at expiry means something else, an advert, re-armed the timer: the wait ended).
    private long _queuedWaitSince;
    private long _queuedWaitRecheckAt;

    /// <summary>Takeovers held because adverts were still queued (tests and statistics).</summary>
    internal long TakeoversHeldForQueuedAdverts { get; private set; }

    /// <summary>
    /// True when the takeover must wait: datagrams are queued and the wait has not used up its budget (one master advert
    /// interval, at least the re-check step). Re-arms the down timer for the re-check.
    /// </summary>
    private bool WaitForQueuedAdvertsLocked(long now)
    {
        if (!_mux.HasPendingInput)
        {
            _queuedWaitSince = 0;
            return false;
        }

        if (_queuedWaitSince == 0 || _downTimer.Deadline != _queuedWaitRecheckAt)
        {
            _queuedWaitSince = now;
            TakeoversHeldForQueuedAdverts++;
            Log.TakeoverHeldForQueuedAdverts(_logger, _name, _vrid, _masterIntervalCs * 10);
        }

        long step = s_queuedAdvertRecheck.Ticks * _frequency / TimeSpan.TicksPerSecond;
        long budget = Math.Max(step, _masterIntervalCs * _frequency / 100);
        if (now - _queuedWaitSince >= budget)
        {
            _queuedWaitSince = 0;
            return false; // budget used up: take over (a flood, or a loop that is not coming back)
        }

        _downTimer.Arm(Math.Max(1, step));
        _queuedWaitRecheckAt = _downTimer.Deadline;
        return true;
    }
}
