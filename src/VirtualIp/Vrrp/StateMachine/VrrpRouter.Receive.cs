using System.Net;
using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>
/// The receive path: a packet the mux matched to this VRID passes <see cref="VrrpAdvertValidator"/>, then the hardening
/// and the RFC 9568 receive rules run (6.4.2 in Backup, 6.4.3 in Master).
/// </summary>
internal sealed partial class VrrpRouter
{
    // When the last advert with a non-zero priority was accepted (the takeover measurement's start).
    private long _lastAdvertTimestamp;

    /// <summary>Handles a packet already matched to this VRID by the mux. Allocation-free.</summary>
    internal void HandlePacket(in VrrpReceivedPacket packet)
    {
        lock (_gate)
        {
            if (!_running)
            {
                return;
            }

            var rejected = _validator.Check(packet, out var message, out int strangerPriority);
            if (rejected != VrrpRejectReason.None)
            {
                if (strangerPriority >= 0)
                {
                    ReportConflictLocked(packet.SourceAddress, (byte)strangerPriority, RouterConflictKind.UnknownSource);
                }

                _validator.Reject(rejected);
                return;
            }

            if (message.Priority == 0 && _priorityZeroFromMasterOnly && !IsCurrentMasterLocked(packet.SourceAddress))
            {
                // Hardening: "the master is leaving" is believed only from the master (docs/conformance/vrrp.md).
                ReportConflictLocked(packet.SourceAddress, 0, RouterConflictKind.PriorityZeroFromNonMaster);
                _validator.Reject(VrrpRejectReason.PriorityZeroNotFromMaster);
                return;
            }

            if (message.IntervalCentiseconds != _sender.IntervalCs)
            {
                _validator.IntervalMismatch(_sender.IntervalCs, message.IntervalCentiseconds);
                if (_version == VrrpVersion.V2)
                {
                    // RFC 3768 7.1: MUST discard (keepalived drops too, to keep two routers from running one VRID).
                    return;
                }
            }

            _counters.AdvertReceived(message.Priority);
            if (message.Priority != 0)
            {
                _lastAdvertTimestamp = _time.GetTimestamp();
            }

            _validator.CheckAddressList(message.Addresses, _sender.VipBytes);
            switch (_state)
            {
                case VrrpState.Backup:
                    OnBackupAdvertLocked(message.Priority, message.IntervalCentiseconds, packet.SourceAddress);
                    break;
                case VrrpState.Master:
                    OnMasterAdvertLocked(message.Priority, message.IntervalCentiseconds, packet.SourceAddress);
                    break;
                default:
                    break; // Fault: adverts are counted and ignored.
            }
        }
    }

    /// <summary>RFC 9568 6.4.2, Backup receiving an advert, with keepalived's preempt_delay.</summary>
    private void OnBackupAdvertLocked(byte priority, ushort intervalCs, ReadOnlySpan<byte> source)
    {
        if (priority == 0)
        {
            // The master is leaving: take over after Skew_Time only.
            _priorityZeroPending = true;
            _downTimer.Arm(SkewTicks);
            return;
        }

        bool fromMaster = IsCurrentMasterLocked(source);
        if (!fromMaster && IsLiveMasterLocked() && !WinsAgainstMasterLocked(priority, source))
        {
            // A second router claims the VRID while the master we follow is alive and outranks it (a stale master
            // after a partition, a misconfigured node, a spoof): keep following the master; RFC 9568 6.4.2 still
            // resets the down timer for an advert at or above our priority.
            ReportConflictLocked(source, priority, RouterConflictKind.SecondMaster);
            if (priority >= _priority || !_preempt)
            {
                _downTimer.Reset(MasterDownTicks);
            }

            return;
        }

        bool lower = priority < _priority;
        if (lower && _preempt && !AdminHoldLocked)
        {
            long now = _time.GetTimestamp();
            if (_preemptDelayTicks > 0 && (!_preemptDelayRunning || now < _preemptDeadline))
            {
                if (!_preemptDelayRunning)
                {
                    _preemptDelayRunning = true;
                    _preemptDeadline = now + _preemptDelayTicks;
                    Log.PreemptDelayStarted(_logger, _name, _vrid, priority);
                }

                // Still inside the preempt delay: treat the lower-priority master as valid.
            }
            else
            {
                // Preemption: ignore the lower-priority master; the down timer will expire.
                _preempting = true;
                _lastPreemptedAdvert = now;
                return;
            }
        }
        else if (!lower)
        {
            _preemptDelayRunning = false;
        }

        if (_version == VrrpVersion.V3)
        {
            _masterIntervalCs = AdoptIntervalLocked(intervalCs); // adopt the master's interval (RFC 9568 6.4.2), floored
        }

        _preempting = false;
        _priorityZeroPending = false;
        _wantMaster = false;
        RememberMasterLocked(source, priority);
        _downTimer.Reset(MasterDownTicks);
    }

    /// <summary>RFC 9568 6.4.3, Master receiving an advert.</summary>
    private void OnMasterAdvertLocked(byte priority, ushort intervalCs, ReadOnlySpan<byte> source)
    {
        if (priority == 0)
        {
            // Another router is leaving (only reached with PriorityZeroFromMasterOnly off): assert ourselves, rate-limited.
            if (!_handoverPending && TryReplyLocked())
            {
                _sender.Send(_priority);
                _sender.RestartTimer();
            }

            return;
        }

        if (priority > _priority || (priority == _priority && source.SequenceCompareTo(_mux.LocalAddressBytes) > 0))
        {
            if (_version == VrrpVersion.V3)
            {
                _masterIntervalCs = AdoptIntervalLocked(intervalCs);
            }

            // One last advert at our own priority before yielding: if we were master on the other side of a partition,
            // clients followed our announcements; the winner may never hear us otherwise (its advert can reach us first
            // and silence us), and a master that hears a lower-priority advert re-announces the VIPs (below). Found by
            // the chaos harness: seed 7, fault #7 (partition of the master), the client stayed on the loser for 5.6 s.
            AdvertiseLocked(); // (not while a make-before-break first advert is pending: nobody has heard us as master yet)
            RememberMasterLocked(source, priority);
            EnterBackupLocked(VrrpTransitionReason.HigherPriorityAdvert, null, keepMasterInterval: true);
            return;
        }

        // Another router believes it is master with a priority that loses against ours: two masters.
        ReportConflictLocked(source, priority, RouterConflictKind.SecondMaster);

        // RFC 9568: discard, and send an advert at once so the lower-priority router learns of us (at most once per
        // advert interval, so a flood of low-priority adverts cannot make us flood the segment).
        if (!_handoverPending && TryReplyLocked())
        {
            _sender.Send(_priority);
        }

        // A lower-priority router that advertises believed it was master and may have announced the VIPs: clients'
        // ARP/ND caches can point at it now. Announce again (keepalived's garp_lower_prio_repeat), at most once a second,
        // deferred rather than dropped inside that second (VrrpRouter.Reannounce.cs).
        RequestReannounceLocked();
    }

    private void RememberMasterLocked(ReadOnlySpan<byte> source, byte priority) => _master.Remember(source, priority, _time.GetTimestamp());

    private IPAddress? MasterAddressLocked() => _master.ToIPAddress();
}
