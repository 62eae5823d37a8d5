using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>
/// Make-before-break hand-back. A master that hears an advert of higher priority drops its VIPs at once (RFC 9568
/// 6.4.3, keepalived too), so a router that takes over while another may still hold the VIPs must not be heard before
/// clients have moved to it: its first advert waits on the action queue until the VIPs are bound and the gratuitous
/// ARP / unsolicited NA is on the wire, then leaves <see cref="HandoverAnnounceLead"/> later (20 ms, at most half the
/// interval). Until then nothing else advertises for it (advert timer, replies to a lower-priority master, priority
/// changes): under load the bind alone took 70–260 ms, longer than an interval, and any of those adverts made the old
/// master let go while clients still pointed at it (issue 16; captures in docs/benchmarks.md). If the announcement never
/// comes (a hung bind), the first advert leaves anyway at <see cref="HandoverLimit"/>.
/// <para>
/// Which takeovers: preempting a master heard within Master_Down_Interval. A takeover after the master fell silent
/// (crash, priority 0) advertises at the transition, as RFC 9568 6.4.2 says; so does one by a router that never heard the
/// live master (a fresh process whose receive loop was starved past Master_Down_Interval: see docs/benchmarks.md).
/// </para>
/// </summary>
internal sealed partial class VrrpRouter
{
    private long _handoverGeneration;

    // When this backup last ignored an advert of a lower-priority master (preemption pending).
    private long _lastPreemptedAdvert;

    // Master by a make-before-break transition whose first advert has not left yet: nothing else may advertise.
    private bool _handoverPending;

    /// <summary>How long the first advert of a hand-back follows the first announcement (the lead timer is the sender's).</summary>
    internal TimeSpan HandoverAnnounceLead => _sender.HandoverLead;

    /// <summary>
    /// The latest the first advert of a hand-back leaves when the announcement has not (a hung bind): three intervals, at
    /// least one second. The old master keeps the VIPs (and answers) until it hears that advert.
    /// </summary>
    internal TimeSpan HandoverLimit => TimeSpan.FromMilliseconds(Math.Max(1000, 3 * 10 * _sender.IntervalCs));

    /// <summary>This transition preempts a master that was still advertising within Master_Down_Interval.</summary>
    private bool IsPreemptingLiveMasterLocked(VrrpTransitionReason reason) =>
        reason == VrrpTransitionReason.Preempted && _lastPreemptedAdvert != 0
        && _time.GetTimestamp() - _lastPreemptedAdvert < MasterDownTicks;

    /// <summary>Under the lock, entering Master: hold every advert until the first one (its deadline: the advert timer).</summary>
    private void BeginHandoverLocked()
    {
        _handoverPending = true;
        _sender.RestartTimer(HandoverLimit);
    }

    /// <summary>Queues the first advert behind the bind and the announcement (after their actions).</summary>
    private void EnqueueHandoverAdvertLocked()
    {
        _handoverGeneration++;
        EnqueueLocked(new VrrpAction(VrrpActionKind.HandoverAdvert, Generation: _handoverGeneration));
    }

    /// <summary>The pending first advert is sent now or no longer wanted (left Master, stopped).</summary>
    private void EndHandoverLocked()
    {
        _handoverPending = false;
        _sender.EndHandoverLead();
    }

    /// <summary>An advert as master now (priority or content changed, a reply), unless the first advert is still pending.</summary>
    private void AdvertiseLocked()
    {
        if (!_handoverPending)
        {
            _sender.Send(_priority);
        }
    }

    /// <summary>On the action queue, after the VIPs are bound and announcing has started: the advert follows shortly.</summary>
    private void ScheduleHandoverAdvert(long generation)
    {
        lock (_gate)
        {
            if (!_running || _state != VrrpState.Master || !_handoverPending || generation != _handoverGeneration)
            {
                return;
            }

            _sender.StartHandoverLead();
        }
    }

    private void SendHandoverAdvert()
    {
        lock (_gate)
        {
            // Still the master this advert was for (not stopped, not demoted) and it has not left at the limit.
            if (_running && _state == VrrpState.Master && _handoverPending)
            {
                EndHandoverLocked();
                _sender.Send(_priority);
                _sender.RestartTimer();
            }
            else
            {
                _sender.EndHandoverLead();
            }
        }
    }
}
