using VirtualIp.Control;
using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>
/// Runtime control (resign, maintenance, priority override, forced takeover). Overrides are fields under the election
/// lock; the election consults <see cref="AdminHoldLocked"/> (never take over, never preempt) and
/// <see cref="EffectivePriorityLocked"/> (override and takeover win over tracking). Each action reports what it did to
/// the caller's audit sink while still under the lock, so the audit order is the order of the actions.
/// </summary>
internal sealed partial class VrrpRouter
{
    /// <summary>Takeover advertises this so the current master (any priority up to 254) steps down.</summary>
    private const byte TakeoverPriority = 254;

    private int _trackedPriority = -1; // -1: tracking never reported; the configured priority applies
    private ActiveOverride? _resign;
    private ActiveOverride? _maintenance;
    private ActiveOverride? _priorityOverride;
    private ActiveOverride? _takeover;
    private ITimer? _resignTimer;
    private Action<RouterControlEvent>? _resignAudit;
    private Control.VirtualRouterTransition? _lastTransition;

    /// <summary>Resigned or in maintenance: the router must neither take over nor preempt.</summary>
    private bool AdminHoldLocked => _resign is not null || _maintenance is not null;

    private byte TrackedPriorityLocked => _trackedPriority < 0 ? _configuredPriority : (byte)_trackedPriority;

    private byte EffectivePriorityLocked() =>
        _takeover is not null ? Math.Max(TakeoverPriority, TrackedPriorityLocked)
        : _priorityOverride?.Priority is int p ? (byte)p
        : TrackedPriorityLocked;

    /// <summary>The status snapshot.</summary>
    internal VirtualRouterStatus GetControlStatus()
    {
        lock (_gate)
        {
            return StatusLocked();
        }
    }

    internal VirtualRouterStatus ControlResign(ControlRequest request, TimeSpan? comeBackAfter, Action<RouterControlEvent> audit)
    {
        if (comeBackAfter is { } d && d <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(comeBackAfter), d, "The resign delay must be positive (or null: until cleared).");
        }

        lock (_gate)
        {
            ThrowIfNotRunningLocked();
            var now = _time.GetUtcNow();
            EndTakeoverLocked(request, audit, emit: true);
            _resign = new ActiveOverride(ControlOverrides.Resign, request.By, request.Reason, now, now + comeBackAfter, null);
            _resignAudit = audit;
            _resignTimer ??= _time.CreateTimer(static s => ((VrrpRouter)s!).OnResignTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _resignTimer.Change(comeBackAfter ?? Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            ControlLog.Resigned(_logger, _name, _vrid, request.By, request.Reason, comeBackAfter?.ToString() ?? "until cleared");
            StepDownLocked($"resign by {request}");
            return EmitLocked(audit, RouterControlAction.Resign, request, null, comeBackAfter);
        }
    }

    internal VirtualRouterStatus ControlMaintenance(bool enabled, ControlRequest request, Action<RouterControlEvent> audit)
    {
        lock (_gate)
        {
            ThrowIfNotRunningLocked();
            if (!enabled)
            {
                _maintenance = null;
                ControlLog.MaintenanceOff(_logger, _name, _vrid, request.By, request.Reason);
                return EmitLocked(audit, RouterControlAction.MaintenanceOff, request, null, null);
            }

            EndTakeoverLocked(request, audit, emit: true);
            _maintenance ??= new ActiveOverride(ControlOverrides.Maintenance, request.By, request.Reason, _time.GetUtcNow(), null, null);
            ControlLog.MaintenanceOn(_logger, _name, _vrid, request.By, request.Reason);
            StepDownLocked($"maintenance by {request}");
            return EmitLocked(audit, RouterControlAction.MaintenanceOn, request, null, null);
        }
    }

    internal VirtualRouterStatus ControlOverridePriority(int priority, ControlRequest request, Action<RouterControlEvent> audit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(priority, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, 254);
        lock (_gate)
        {
            ThrowIfNotRunningLocked();
            _priorityOverride = new ActiveOverride(ControlOverrides.Priority, request.By, request.Reason, _time.GetUtcNow(), null, priority);
            ApplyPriorityLocked($"priority override by {request}");
            return EmitLocked(audit, RouterControlAction.OverridePriority, request, priority, null);
        }
    }

    internal VirtualRouterStatus ControlTakeover(ControlRequest request, Action<RouterControlEvent> audit)
    {
        lock (_gate)
        {
            ThrowIfNotRunningLocked();
            var members = _group?.Members ?? [this];
            foreach (var m in members)
            {
                if (m._state == VrrpState.Fault || m._maintenance is not null)
                {
                    throw new InvalidOperationException(
                        $"Router '{m._name}' is {(m._maintenance is not null ? "in maintenance (turn it off first)" : "in Fault (tracking or link)")}: no takeover.");
                }
            }

            string detail = $"takeover by {request}";
            var now = _time.GetUtcNow();
            foreach (var m in members)
            {
                if (m._resign is not null)
                {
                    m.EndResignLocked();
                    m.EmitLocked(audit, RouterControlAction.Resume, request, null, null);
                }

                m._takeover = new ActiveOverride(ControlOverrides.Takeover, request.By, request.Reason, now, null, TakeoverPriority);
                m.ApplyPriorityLocked(detail);
            }

            foreach (var m in members)
            {
                if (m._running && m._state == VrrpState.Backup)
                {
                    m.EnterMasterLocked(VrrpTransitionReason.Administrative, detail);
                }
            }

            ControlLog.Takeover(_logger, _name, _vrid, request.By, request.Reason);
            return EmitLocked(audit, RouterControlAction.Takeover, request, EffectivePriorityLocked(), null);
        }
    }

    internal VirtualRouterStatus ControlClear(ControlOverrides overrides, ControlRequest request, Action<RouterControlEvent> audit)
    {
        lock (_gate)
        {
            ThrowIfNotRunningLocked();
            if (overrides.HasFlag(ControlOverrides.Takeover))
            {
                EndTakeoverLocked(request, audit, emit: true);
            }

            if (overrides.HasFlag(ControlOverrides.Priority) && _priorityOverride is not null)
            {
                _priorityOverride = null;
                ApplyPriorityLocked($"priority override cleared by {request}");
                EmitLocked(audit, RouterControlAction.ClearPriority, request, null, null);
            }

            if (overrides.HasFlag(ControlOverrides.Maintenance) && _maintenance is not null)
            {
                _maintenance = null;
                ControlLog.MaintenanceOff(_logger, _name, _vrid, request.By, request.Reason);
                EmitLocked(audit, RouterControlAction.MaintenanceOff, request, null, null);
            }

            if (overrides.HasFlag(ControlOverrides.Resign) && _resign is not null)
            {
                EndResignLocked();
                ControlLog.Resumed(_logger, _name, _vrid, request.By);
                EmitLocked(audit, RouterControlAction.Resume, request, null, null);
            }

            return StatusLocked();
        }
    }

    /// <summary>A resign's delay passed: the router takes part in elections again.</summary>
    private void OnResignTimer()
    {
        lock (_gate)
        {
            if (_resign?.Until is not { } until || _time.GetUtcNow() < until || _disposed)
            {
                return;
            }

            var audit = _resignAudit;
            EndResignLocked();
            ControlLog.Resumed(_logger, _name, _vrid, "timer");
            if (audit is not null)
            {
                EmitLocked(audit, RouterControlAction.Resume, new ControlRequest("timer", "resign delay passed"), null, null);
            }
        }
    }

    private void EndResignLocked()
    {
        _resign = null;
        _resignAudit = null;
        _resignTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Ends the takeover on this router and its sync group; the priority falls back to override or tracking.</summary>
    private void EndTakeoverLocked(ControlRequest request, Action<RouterControlEvent> audit, bool emit)
    {
        foreach (var m in _group?.Members ?? [this])
        {
            if (m._takeover is null)
            {
                continue;
            }

            m._takeover = null;
            m.ApplyPriorityLocked($"takeover ended by {request}");
            if (emit)
            {
                m.EmitLocked(audit, RouterControlAction.EndTakeover, request, null, null);
            }
        }
    }

    /// <summary>Masters of this router's group advertise priority 0 (a backup takes over after Skew_Time) and go Backup.</summary>
    private void StepDownLocked(string detail)
    {
        var members = _group?.Members ?? [this];
        foreach (var m in members)
        {
            if (m._running && m._state == VrrpState.Master)
            {
                m._sender.Send(0);
            }
        }

        if (_running && _state == VrrpState.Master)
        {
            EnterBackupLocked(VrrpTransitionReason.Administrative, detail, keepMasterInterval: false); // the group follows
        }

        foreach (var m in members)
        {
            if (m._running && m._state == VrrpState.Master)
            {
                m.EnterBackupLocked(VrrpTransitionReason.Administrative, detail, keepMasterInterval: false);
            }
        }
    }

    /// <summary>Recomputes the effective priority; a master advertises a change at once.</summary>
    private void ApplyPriorityLocked(string reason)
    {
        byte p = EffectivePriorityLocked();
        if (p == _priority)
        {
            return;
        }

        _priority = p;
        Log.PriorityChanged(_logger, _name, _vrid, p, reason);
        if (_running && _state == VrrpState.Master)
        {
            AdvertiseLocked();
        }
    }

    private void ThrowIfNotRunningLocked()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_running)
        {
            throw new InvalidOperationException($"Router '{_name}' is not running.");
        }
    }

    private VirtualRouterStatus EmitLocked(Action<RouterControlEvent> audit, RouterControlAction action, ControlRequest request, int? priority, TimeSpan? duration)
    {
        audit(new RouterControlEvent(_time.GetUtcNow(), _name, action, request.By, request.Reason, priority, duration, _state, _priority));
        return StatusLocked();
    }

    private VirtualRouterStatus StatusLocked()
    {
        var overrides = new List<ActiveOverride>(4);
        foreach (var o in (ReadOnlySpan<ActiveOverride?>)[_maintenance, _resign, _priorityOverride, _takeover])
        {
            if (o is not null)
            {
                overrides.Add(o);
            }
        }

        overrides.Sort(static (a, b) => a.Since.CompareTo(b.Since));
        return new VirtualRouterStatus(_name, _vrid, _interface, _state, _configuredPriority, TrackedPriorityLocked, _priority, HasOwnFaultLocked,
            MasterAddressLocked(), _vips, _group?.Name, overrides, _lastTransition);
    }
}
