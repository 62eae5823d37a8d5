using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>
/// The state transitions (RFC 9568 6.4: Initialize, Backup, Master, and keepalived's Fault) with what each one does to
/// the timers, the adverts and the action queue; the Master_Down_Timer's expiry; the sync group's entry points.
/// </summary>
internal sealed partial class VrrpRouter
{
    // The master's advert interval in use: own when master, adopted from the master in v3 backup (guarded by _gate).
    private ushort _masterIntervalCs;
    private bool _preemptDelayRunning;
    private long _preemptDeadline;
    private bool _preempting;
    private bool _priorityZeroPending;
    private bool _wantMaster;

    /// <summary>Skew_Time in timestamp ticks: v3 ((256 − Priority) × Master_Adver_Interval) / 256; v2 (256 − Priority) / 256 s.</summary>
    internal long SkewTicks =>
        _version == VrrpVersion.V2
            ? (256 - _priority) * _frequency / 256
            : (256 - _priority) * (_masterIntervalCs * _frequency / 100) / 256;

    /// <summary>Master_Down_Interval in timestamp ticks: 3 × Master_Adver_Interval + Skew_Time.</summary>
    internal long MasterDownTicks => (3 * (_masterIntervalCs * _frequency / 100)) + SkewTicks;

    /// <summary>What the advert timer does (tests and benchmarks drive it directly).</summary>
    internal void OnAdvertTimerForTests() => OnAdvertTimer();

    private void OnAdvertTimer()
    {
        lock (_gate)
        {
            if (_running && _state == VrrpState.Master)
            {
                // While a make-before-break first advert is pending this tick is its deadline (HandoverLimit).
                EndHandoverLocked();
                _sender.Send(_priority);
            }
        }
    }

    /// <summary>The Master_Down_Timer expired (under the lock; <see cref="VrrpDeadline"/> has dropped early and stale callbacks).</summary>
    private void OnMasterDownLocked()
    {
        if (!_running || _state != VrrpState.Backup)
        {
            return;
        }

        long now = _time.GetTimestamp();
        if (AdminHoldLocked)
        {
            // Resigned or in maintenance: never take over; keep following whoever advertises.
            _downTimer.Reset(MasterDownTicks);
            return;
        }

        if (WaitForQueuedAdvertsLocked(now))
        {
            return; // adverts wait in the receive queue: read them first (VrrpRouter.QueuedAdverts.cs)
        }

        var reason = _priorityZeroPending ? VrrpTransitionReason.PriorityZeroReceived
            : _preempting ? VrrpTransitionReason.Preempted
            : VrrpTransitionReason.MasterDownTimer;
        _wantMaster = true;
        if (_group is not null && !_group.TryGoMaster(this))
        {
            Log.SyncGroupWaiting(_logger, _name, _vrid, _group.Name);
            _downTimer.Reset(MasterDownTicks);
            return;
        }

        if (_lastAdvertTimestamp != 0)
        {
            // What this node measured of the failover: from the old master's last advert to taking over.
            LastTakeoverDuration = _time.GetElapsedTime(_lastAdvertTimestamp, now);
        }

        EnterMasterLocked(reason, null);
    }

    /// <summary>
    /// The time from the last advert heard from the previous master to this router's takeover by timer (down interval or
    /// Skew_Time after priority 0), or null when it never took over that way.
    /// </summary>
    internal TimeSpan? LastTakeoverDuration { get; private set; }

    /// <summary>RFC 9568 6.4.1 (Initialize), also used after a fault clears.</summary>
    private void RunElectionLocked(VrrpTransitionReason reason, string? detail)
    {
        if (_linkDown)
        {
            EnterFaultLocked(reason == VrrpTransitionReason.Startup ? VrrpTransitionReason.LinkDown : reason, _interface);
            return;
        }

        if (_trackingFault)
        {
            EnterFaultLocked(reason == VrrpTransitionReason.Startup ? VrrpTransitionReason.TrackingFault : reason, _trackingReason);
            return;
        }

        if (_group is not null && _group.AnyOwnFault())
        {
            EnterFaultLocked(VrrpTransitionReason.SyncGroup, _group.Name);
            return;
        }

        if (_priority == 255 && !AdminHoldLocked)
        {
            _wantMaster = true;
            if (_group is null || _group.TryGoMaster(this))
            {
                EnterMasterLocked(reason, detail);
                return;
            }

            EnterBackupLocked(reason, detail, keepMasterInterval: false);
            _wantMaster = true;
            return;
        }

        EnterBackupLocked(reason, detail, keepMasterInterval: false);
    }

    private void EnterMasterLocked(VrrpTransitionReason reason, string? detail)
    {
        var old = _state;
        if (old == VrrpState.Master)
        {
            return;
        }

        _state = VrrpState.Master;
        _wantMaster = false;
        _preempting = false;
        _priorityZeroPending = false;
        _preemptDelayRunning = false;
        _masterIntervalCs = _sender.IntervalCs;
        _downTimer.Cancel();
        bool handover = IsPreemptingLiveMasterLocked(reason);
        RememberMasterLocked(_mux.LocalAddressBytes, _priority);
        if (handover)
        {
            BeginHandoverLocked(); // the advert timer's first tick is the pending advert's deadline
        }
        else
        {
            _sender.Send(_priority);
            _sender.RestartTimer();
        }

        RecordTransitionLocked(old, VrrpState.Master, reason, detail);
        EnqueueLocked(new VrrpAction(VrrpActionKind.AddVips));
        EnqueueLocked(new VrrpAction(VrrpActionKind.StartAnnouncing));
        if (handover)
        {
            // Make before break: the live master lets go when it hears us, so we hold and announce the VIPs first (see Handover).
            EnqueueHandoverAdvertLocked();
        }
    }

    private void EnterBackupLocked(VrrpTransitionReason reason, string? detail, bool keepMasterInterval)
    {
        var old = _state;
        if (old == VrrpState.Backup)
        {
            return;
        }

        bool wasMaster = old == VrrpState.Master;
        _state = VrrpState.Backup;
        _wantMaster = false;
        _preempting = false;
        _priorityZeroPending = false;
        if (!keepMasterInterval)
        {
            _masterIntervalCs = _sender.IntervalCs;
        }

        if (wasMaster)
        {
            _sender.StopTimer();
            EndHandoverLocked();
            CancelReannounceLocked();
        }

        _downTimer.Cancel();
        _downTimer.Reset(MasterDownTicks);
        RecordTransitionLocked(old, VrrpState.Backup, reason, detail);
        if (wasMaster)
        {
            EnqueueLocked(new VrrpAction(VrrpActionKind.StopAnnouncing));
            EnqueueLocked(new VrrpAction(VrrpActionKind.RemoveVips));
            if (reason != VrrpTransitionReason.SyncGroup)
            {
                _group?.OnMemberBackup(this);
            }
        }
    }

    private void EnterFaultLocked(VrrpTransitionReason reason, string? detail)
    {
        var old = _state;
        if (old == VrrpState.Fault)
        {
            return;
        }

        bool wasMaster = old == VrrpState.Master;
        if (wasMaster)
        {
            // Like keepalived: tell the backups we are leaving so one takes over after Skew_Time.
            _sender.Send(0);
            _sender.StopTimer();
            EndHandoverLocked();
            CancelReannounceLocked();
        }

        _downTimer.Cancel();
        _state = VrrpState.Fault;
        _wantMaster = false;
        RecordTransitionLocked(old, VrrpState.Fault, reason, detail);
        if (wasMaster)
        {
            EnqueueLocked(new VrrpAction(VrrpActionKind.StopAnnouncing));
            EnqueueLocked(new VrrpAction(VrrpActionKind.RemoveVips));
        }

        if (reason != VrrpTransitionReason.SyncGroup)
        {
            _group?.OnMemberFault(this);
        }
    }

    /// <summary>A fault of this router's own (tracking or link) cleared.</summary>
    private void LeaveOwnFaultLocked(VrrpTransitionReason reason, string? detail)
    {
        if (HasOwnFaultLocked || _state != VrrpState.Fault)
        {
            return;
        }

        if (_group is not null)
        {
            if (_group.AnyOwnFault())
            {
                return; // another member is still faulty: the whole group stays in Fault
            }

            RunElectionLocked(reason, detail);
            _group.OnGroupFaultCleared(this);
            return;
        }

        RunElectionLocked(reason, detail);
    }

    internal void SyncEnterFaultLocked()
    {
        if (_running && _state is VrrpState.Backup or VrrpState.Master)
        {
            EnterFaultLocked(VrrpTransitionReason.SyncGroup, _group?.Name);
        }
    }

    internal void SyncEnterBackupLocked()
    {
        if (_running && _state == VrrpState.Master)
        {
            EnterBackupLocked(VrrpTransitionReason.SyncGroup, _group?.Name, keepMasterInterval: false);
        }
    }

    internal void SyncEnterMasterLocked()
    {
        if (_running && _state == VrrpState.Backup)
        {
            EnterMasterLocked(VrrpTransitionReason.SyncGroup, _group?.Name);
        }
    }

    internal void SyncLeaveFaultLocked()
    {
        if (_running && _state == VrrpState.Fault && !HasOwnFaultLocked)
        {
            RunElectionLocked(VrrpTransitionReason.SyncGroup, _group?.Name);
        }
    }

    private void RecordTransitionLocked(VrrpState old, VrrpState now, VrrpTransitionReason reason, string? detail)
    {
        _counters.Transition();
        _lastTransition = new Control.VirtualRouterTransition(old, now, reason, detail, _time.GetUtcNow());
        Log.StateChanged(_logger, _name, _vrid, old, now, reason, detail ?? "");
        var args = new VrrpStateChangedEventArgs(_name, _vrid, _isIPv6, old, now, reason, MasterAddressLocked(), _priority, _time.GetUtcNow(), detail);
        EnqueueLocked(new VrrpAction(VrrpActionKind.RaiseStateChanged, args));
    }
}
