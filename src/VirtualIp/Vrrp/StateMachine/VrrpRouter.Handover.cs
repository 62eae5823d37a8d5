using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>
/// Make-before-break hand-back. When this router becomes master by preempting a master that is still advertising (the
/// old master coming back), that master drops the VIPs the moment it hears our first advert. Sending the advert at the
/// transition (RFC 9568 6.4.2) and binding afterwards left clients a gap of the bind time (7–30 ms measured), and
/// announcing after the advert left one of the announcement's send time. So the first advert waits on the action queue
/// until the VIPs are bound and the gratuitous ARP / unsolicited NA is on its way, then leaves after
/// <see cref="HandoverAnnounceLead"/> (20 ms, at most half the interval) so clients have moved before the old master lets
/// go. The advert timer still runs: a bind that hangs delays the first advert by at most one interval. A takeover with
/// no live master (crash, priority 0) advertises at once, as before.
/// </summary>
internal sealed partial class VrrpRouter
{
    private long _handoverGeneration;

    // When this backup last ignored an advert of a lower-priority master (preemption pending).
    private long _lastPreemptedAdvert;

    /// <summary>How long the first advert of a hand-back follows the first announcement (the lead timer is the sender's).</summary>
    internal TimeSpan HandoverAnnounceLead => _sender.HandoverLead;

    /// <summary>This transition preempts a master that was still advertising within Master_Down_Interval.</summary>
    private bool IsPreemptingLiveMasterLocked(VrrpTransitionReason reason) =>
        reason == VrrpTransitionReason.Preempted && _lastPreemptedAdvert != 0
        && _time.GetTimestamp() - _lastPreemptedAdvert < MasterDownTicks;

    private void EnqueueHandoverAdvertLocked()
    {
        _handoverGeneration++;
        EnqueueLocked(new VrrpAction(VrrpActionKind.HandoverAdvert, Generation: _handoverGeneration));
    }

    /// <summary>On the action queue, after the VIPs are bound and announcing has started: the advert follows shortly.</summary>
    private void ScheduleHandoverAdvert(long generation)
    {
        lock (_gate)
        {
            if (!_running || _state != VrrpState.Master || generation != _handoverGeneration)
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
            _sender.EndHandoverLead();

            // Still the master this advert was for: not stopped, not demoted.
            if (_running && _state == VrrpState.Master)
            {
                _sender.Send(_priority);
                _sender.RestartTimer();
            }
        }
    }
}
