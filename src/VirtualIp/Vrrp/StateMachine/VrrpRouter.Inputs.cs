using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>
/// What the host feeds the election: tracking (effective priority, fault) and the interface's link state. A fault
/// enters Fault; its end runs the election again (the sync group's members follow).
/// </summary>
internal sealed partial class VrrpRouter
{
    /// <inheritdoc />
    public void UpdateTracking(int effectivePriority, bool fault, string reason)
    {
        lock (_gate)
        {
            _trackedPriority = _configuredPriority == 255 ? (byte)255 : (byte)Math.Clamp(effectivePriority, 1, 254);
            byte newPriority = EffectivePriorityLocked(); // an operator's override or takeover wins over tracking
            bool priorityChanged = newPriority != _priority;
            _priority = newPriority;
            _trackingReason = reason;
            if (priorityChanged)
            {
                Log.PriorityChanged(_logger, _name, _vrid, newPriority, reason);
            }

            if (fault != _trackingFault)
            {
                _trackingFault = fault;
                if (_running)
                {
                    if (fault)
                    {
                        EnterFaultLocked(VrrpTransitionReason.TrackingFault, reason);
                    }
                    else
                    {
                        LeaveOwnFaultLocked(VrrpTransitionReason.TrackingRecovered, reason);
                    }
                }
            }
            else if (priorityChanged && _running && _state == VrrpState.Master)
            {
                // Tell the backups at once so a higher-priority one can preempt without waiting for the next advert.
                AdvertiseLocked();
            }
        }
    }

    /// <inheritdoc />
    public void SetLinkState(bool isUp)
    {
        lock (_gate)
        {
            if (isUp != _linkDown)
            {
                return;
            }

            _linkDown = !isUp;
            if (!_running)
            {
                return;
            }

            if (_linkDown)
            {
                EnterFaultLocked(VrrpTransitionReason.LinkDown, _interface);
            }
            else
            {
                LeaveOwnFaultLocked(VrrpTransitionReason.LinkUp, _interface);
            }
        }
    }
}
