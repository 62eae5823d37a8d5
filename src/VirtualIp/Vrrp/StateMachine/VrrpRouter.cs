using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using VirtualIp.Addressing;
using VirtualIp.Announcing;
using VirtualIp.Binding;
using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>
/// The VRRP state machine for one virtual router (RFC 9568 section 6 for v3, RFC 3768 for v2), keepalived-compatible.
/// </summary>
/// <remarks>
/// Threading: timer callbacks (thread pool), packets (the transport's receive loop) and inputs (tracking, link) all take
/// one lock (<see cref="_gate"/>, shared by the members of a sync group). Under the lock the router only changes fields,
/// re-arms timers and sends adverts; binder and announcer calls and the <see cref="StateChanged"/> event run later, in
/// order, on a serialized action queue, so a slow or failing OS call never blocks or reorders the election.
/// The steady state (sending and receiving adverts) allocates nothing.
/// </remarks>
internal sealed partial class VrrpRouter : IVirtualRouter
{
    private static readonly VipBindOptions s_bindOptions = new();

    // Configuration (identity: immutable; the rest changes only under _gate, in Reconfigure).
    private readonly string _name;
    private readonly string _interface;
    private readonly byte _vrid;
    private byte _configuredPriority;
    private readonly VrrpVersion _version;
    private readonly bool _isIPv6;
    private ushort _intervalCs;
    private bool _preempt;
    private long _preemptDelayTicks;
    private VipAddress[] _vips;
    private byte[] _vipBytes;
    private readonly int _addressLength;
    private readonly VrrpAuthType _authType;
    private readonly byte[] _authData;
    private readonly VrrpChecksumMode _checksumMode;
    private readonly MacAddress? _announceMac;

    // Collaborators.
    private readonly object _gate;
    private readonly VrrpSyncGroup? _group;
    private readonly VrrpTransportMux _mux;
    private readonly IVipBinder _binder;
    private readonly IVipAnnouncer? _announcer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<CancellationToken, Task>? _staleCleanup;
    private readonly ITimer _advertTimer;
    private readonly ITimer _downTimer;
    private byte[][] _sendBuffers;
    private readonly long _frequency;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);

    // State (guarded by _gate).
    private VrrpState _state = VrrpState.Initialize;
    private bool _running;
    private bool _disposed;
    private byte _priority;
    private bool _trackingFault;
    private string? _trackingReason;
    private bool _linkDown;
    private ushort _masterIntervalCs;
    private bool _downArmed;
    private long _downDeadline;
    private bool _downScheduled;
    private long _downScheduledFor;
    private bool _preemptDelayRunning;
    private long _preemptDeadline;
    private bool _preempting;
    private bool _priorityZeroPending;
    private bool _wantMaster;
    private readonly byte[] _masterAddress = new byte[16];
    private int _masterAddressLength;

    // Counters (written under _gate).
    private long _sent;
    private long _received;
    private long _lastAdvertTimestamp;
    private long _lastReannounce;
    private long _priorityZeroSent;
    private long _priorityZeroReceived;
    private long _transitions;
    private long _addressMismatches;
    private long _intervalMismatches;
    private long _sendErrors;
    private readonly long[] _rejected = new long[VrrpRouterStatistics.ReasonCount];

    // Side effects (the action queue; _announcement is touched only by the queue's consumer).
    private System.Threading.Channels.Channel<VrrpAction>? _actions;
    private Task _actionLoop = Task.CompletedTask;
    private IDisposable? _announcement;

    public VrrpRouter(VrrpRouterConfiguration options, VrrpTransportMux mux, IVipBinder binder, IVipAnnouncer? announcer, TimeProvider timeProvider,
        ILogger logger, VrrpSyncGroup? syncGroup = null, Func<CancellationToken, Task>? staleCleanup = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(mux);
        ArgumentNullException.ThrowIfNull(binder);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _name = options.Name;
        _interface = options.Interface;
        _vrid = (byte)options.VirtualRouterId;
        _configuredPriority = (byte)options.Priority;
        _priority = _configuredPriority;
        _version = options.Version;
        _vips = [.. options.Vips];
        _isIPv6 = _vips[0].IsIPv6;
        if (mux.Transport.IsIPv6 != _isIPv6)
        {
            throw new ArgumentException($"Router '{_name}' has {(_isIPv6 ? "IPv6" : "IPv4")} VIPs but its transport is {(mux.Transport.IsIPv6 ? "IPv6" : "IPv4")}.", nameof(mux));
        }

        _intervalCs = (ushort)(options.AdvertisementInterval.Ticks / (TimeSpan.TicksPerMillisecond * 10));
        _masterIntervalCs = _intervalCs;
        _preempt = options.Preempt;
        _checksumMode = options.ChecksumMode;
        _addressLength = _isIPv6 ? 16 : 4;
        _vipBytes = EncodeVips(_vips, _addressLength);

        if (_version == VrrpVersion.V2 && options.AuthPassword is { Length: > 0 } password)
        {
            _authType = VrrpAuthType.SimpleText;
            _authData = new byte[VrrpCodec.V2AuthDataLength];
            Encoding.ASCII.GetBytes(password, _authData);
        }
        else
        {
            _authType = VrrpAuthType.None;
            _authData = [];
        }

        _auth = CreateAuthenticator(options, timeProvider);
        _announceMac = options.UseVirtualMac ? MacAddress.ForVirtualRouter(_vrid, _isIPv6) : null;
        _mux = mux;
        _binder = binder;
        _announcer = announcer;
        _time = timeProvider;
        _frequency = timeProvider.TimestampFrequency;
        _logger = logger;
        _group = syncGroup;
        _gate = syncGroup?.Gate ?? new object();
        _staleCleanup = staleCleanup;
        _preemptDelayTicks = options.PreemptDelay.Ticks * _frequency / TimeSpan.TicksPerSecond;
        InitializeHardening(options);

        _sendBuffers = CreateSendBuffers();

        _advertTimer = timeProvider.CreateTimer(static s => ((VrrpRouter)s!).OnAdvertTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _downTimer = timeProvider.CreateTimer(static s => ((VrrpRouter)s!).OnDownTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        syncGroup?.Add(this);
        mux.Register(this);
    }

    /// <inheritdoc />
    public event EventHandler<VrrpStateChangedEventArgs>? StateChanged;

    /// <inheritdoc />
    public event EventHandler<VirtualRouterActionFailedEventArgs>? ActionFailed;

    /// <inheritdoc />
    public event EventHandler<RouterConflictEventArgs>? ConflictDetected;

    /// <inheritdoc />
    public string Name => _name;

    /// <inheritdoc />
    public string InterfaceName => _interface;

    /// <inheritdoc />
    public byte VirtualRouterId => _vrid;

    /// <inheritdoc />
    public bool IsIPv6 => _isIPv6;

    /// <summary>The configured VIPs.</summary>
    public IReadOnlyList<VipAddress> Vips => _vips;

    /// <summary>The sync group, if any.</summary>
    public string? SyncGroupName => _group?.Name;

    /// <inheritdoc />
    public VrrpState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <inheritdoc />
    public int Priority
    {
        get
        {
            lock (_gate)
            {
                return _priority;
            }
        }
    }

    /// <inheritdoc />
    public IPAddress? MasterAddress
    {
        get
        {
            lock (_gate)
            {
                return MasterAddressLocked();
            }
        }
    }

    /// <summary>The master's advert interval this router currently uses (its own when master; adopted from the master in v3 backup).</summary>
    internal TimeSpan MasterAdvertisementInterval
    {
        get
        {
            lock (_gate)
            {
                return TimeSpan.FromMilliseconds(_masterIntervalCs * 10);
            }
        }
    }

    // Accessors for the sync group (called with _gate held).
    internal VrrpState StateLocked => _state;

    internal bool WantsMasterLocked => _wantMaster;

    internal bool HasOwnFaultLocked => _trackingFault || _linkDown;

    /// <summary>Skew_Time in timestamp ticks: v3 ((256 − Priority) × Master_Adver_Interval) / 256; v2 (256 − Priority) / 256 s.</summary>
    internal long SkewTicks =>
        _version == VrrpVersion.V2
            ? (256 - _priority) * _frequency / 256
            : (256 - _priority) * (_masterIntervalCs * _frequency / 100) / 256;

    /// <summary>Master_Down_Interval in timestamp ticks: 3 × Master_Adver_Interval + Skew_Time.</summary>
    internal long MasterDownTicks => (3 * (_masterIntervalCs * _frequency / 100)) + SkewTicks;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_running)
                {
                    return;
                }
            }

            StartActionLoop();
            try
            {
                if (_staleCleanup is not null)
                {
                    try
                    {
                        await _staleCleanup(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.ActionFailed(_logger, _name, _vrid, VirtualRouterAction.RemoveStale, _interface, ex);
                        RaiseActionFailed(VirtualRouterAction.RemoveStale, _interface, ex);
                    }
                }

                await _mux.EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // The transport did not start: leave the router stopped (StartAsync may be retried).
                lock (_gate)
                {
                    _actions?.Writer.TryComplete();
                }

                throw;
            }

            lock (_gate)
            {
                _running = true;
                if (_preemptDelayTicks > 0)
                {
                    // keepalived: the preempt delay also runs from startup.
                    _preemptDelayRunning = true;
                    _preemptDeadline = _time.GetTimestamp() + _preemptDelayTicks;
                }

                RunElectionLocked(VrrpTransitionReason.Startup, null);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Task loop;
            lock (_gate)
            {
                if (!_running)
                {
                    return;
                }

                _running = false;
                var old = _state;
                if (old == VrrpState.Master)
                {
                    // RFC 9568 6.4.3: send an advert with priority 0 so a backup takes over after Skew_Time, then release the VIPs.
                    SendAdvertLocked(0);
                    _advertTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                }

                StopDownTimerLocked();
                _state = VrrpState.Initialize;
                _wantMaster = false;
                RecordTransitionLocked(old, VrrpState.Initialize, VrrpTransitionReason.Shutdown, null);
                if (old == VrrpState.Master)
                {
                    EnqueueLocked(new VrrpAction(VrrpActionKind.StopAnnouncing));
                    EnqueueLocked(new VrrpAction(VrrpActionKind.RemoveVips));
                }

                _actions?.Writer.TryComplete();
                loop = _actionLoop;
            }

            await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
        }

        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _disposed = true;
                _advertTimer.Dispose();
                _downTimer.Dispose();
                _resignTimer?.Dispose();
                _auth?.Dispose();
            }

            _group?.Remove(this);
            await _mux.ReleaseAsync(this).ConfigureAwait(false);
        }
    }

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
                SendAdvertLocked(_priority);
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

    /// <summary>A snapshot of the counters.</summary>
    public VrrpRouterStatistics GetStatistics()
    {
        lock (_gate)
        {
            return new VrrpRouterStatistics(_sent, _received, _priorityZeroSent, _priorityZeroReceived, _transitions, _addressMismatches,
                _intervalMismatches, _sendErrors, (long[])_rejected.Clone(), _mux.SnapshotRejected());
        }
    }

    /// <summary>Completes when every side effect queued so far has run (tests, orderly shutdown).</summary>
    internal Task WhenIdleAsync()
    {
        lock (_gate)
        {
            if (_actions is null)
            {
                return _actionLoop;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _actions.Writer.TryWrite(new VrrpAction(VrrpActionKind.Barrier, Barrier: done)) ? done.Task : _actionLoop;
        }
    }

    // ---- Send path ----------------------------------------------------------------------------------------------

    /// <summary>Encodes one advert per destination into its preallocated buffer and sends it. Allocation-free.</summary>
    private void SendAdvertLocked(byte priority)
    {
        var message = new VrrpMessage(_version, _vrid, priority, _intervalCs, _isIPv6, _vipBytes, _authType, _authData);
        var destinations = _mux.DestinationBytes;
        for (int i = 0; i < destinations.Length; i++)
        {
            try
            {
                int length = VrrpCodec.Write(_sendBuffers[i], message, _mux.LocalAddressBytes, destinations[i], _checksumMode);
                if (_auth is not null)
                {
                    length = SignLocked(i, length, destinations[i]);
                }

                _mux.Transport.Send(_sendBuffers[i].AsSpan(0, length), i);
                _sent++;
                if (priority == 0)
                {
                    _priorityZeroSent++;
                }
            }
#pragma warning disable CA1031 // A send failure (e.g. link gone) must not kill the timer thread; it is counted and logged.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _sendErrors++;
                Log.SendFailed(_logger, _name, _vrid, i, ex);
            }
        }
    }

    /// <summary>What the advert timer does (tests and benchmarks drive it directly).</summary>
    internal void OnAdvertTimerForTests() => OnAdvertTimer();

    private void OnAdvertTimer()
    {
        lock (_gate)
        {
            if (_running && _state == VrrpState.Master)
            {
                SendAdvertLocked(_priority);
            }
        }
    }

    private void RestartAdvertTimerLocked()
    {
        var interval = TimeSpan.FromTicks(_intervalCs * TimeSpan.TicksPerMillisecond * 10);
        _advertTimer.Change(interval, interval);
    }

    // ---- Master-down timer --------------------------------------------------------------------------------------
    // The deadline moves on every accepted advert without touching the ITimer (no allocation, no syscall); the timer
    // fires at the old due time, sees the moved deadline and re-arms for the remainder. It is re-armed at once only
    // when the deadline moves earlier (priority 0 → Skew_Time).

    private void ResetDownTimerLocked(long ticks)
    {
        long deadline = _time.GetTimestamp() + ticks;
        _downDeadline = deadline;
        _downArmed = true;
        if (!_downScheduled || deadline < _downScheduledFor)
        {
            ScheduleDownTimerLocked(deadline, ticks);
        }
    }

    private void ArmDownTimerLocked(long ticks)
    {
        // Unconditionally move the deadline (it may become earlier).
        long deadline = _time.GetTimestamp() + ticks;
        _downDeadline = deadline;
        _downArmed = true;
        ScheduleDownTimerLocked(deadline, ticks);
    }

    private void ScheduleDownTimerLocked(long deadline, long ticks)
    {
        _downScheduled = true;
        _downScheduledFor = deadline;
        _downTimer.Change(ToTimeSpan(ticks), Timeout.InfiniteTimeSpan);
    }

    private void StopDownTimerLocked()
    {
        _downArmed = false;
        if (_downScheduled)
        {
            _downScheduled = false;
            _downTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnDownTimer()
    {
        lock (_gate)
        {
            if (!_downScheduled || !_downArmed || !_running || _state != VrrpState.Backup)
            {
                return;
            }

            // A callback that fires early, or a stale one from before a re-arm, just re-arms for the remainder.
            long now = _time.GetTimestamp();
            _downScheduled = false;
            if (now < _downDeadline)
            {
                ScheduleDownTimerLocked(_downDeadline, _downDeadline - now);
                return;
            }

            _downArmed = false;
            if (AdminHoldLocked)
            {
                // Resigned or in maintenance: never take over; keep following whoever advertises.
                ResetDownTimerLocked(MasterDownTicks);
                return;
            }

            var reason = _priorityZeroPending ? VrrpTransitionReason.PriorityZeroReceived
                : _preempting ? VrrpTransitionReason.Preempted
                : VrrpTransitionReason.MasterDownTimer;
            _wantMaster = true;
            if (_group is not null && !_group.TryGoMaster(this))
            {
                Log.SyncGroupWaiting(_logger, _name, _vrid, _group.Name);
                ResetDownTimerLocked(MasterDownTicks);
                return;
            }

            if (_lastAdvertTimestamp != 0)
            {
                // What this node measured of the failover: from the old master's last advert to taking over.
                LastTakeoverDuration = _time.GetElapsedTime(_lastAdvertTimestamp, now);
            }

            EnterMasterLocked(reason, null);
        }
    }

    /// <summary>
    /// The time from the last advert heard from the previous master to this router's takeover by timer (down interval or
    /// Skew_Time after priority 0), or null when it never took over that way.
    /// </summary>
    internal TimeSpan? LastTakeoverDuration { get; private set; }

    private TimeSpan ToTimeSpan(long timestampTicks) =>
        TimeSpan.FromTicks(((timestampTicks * TimeSpan.TicksPerSecond) + _frequency - 1) / _frequency);

    // ---- Transitions --------------------------------------------------------------------------------------------

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
        _masterIntervalCs = _intervalCs;
        StopDownTimerLocked();
        bool handover = IsPreemptingLiveMasterLocked(reason);
        RememberMasterLocked(_mux.LocalAddressBytes, _priority);
        if (!handover)
        {
            SendAdvertLocked(_priority);
        }

        RestartAdvertTimerLocked();
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
            _masterIntervalCs = _intervalCs;
        }

        if (wasMaster)
        {
            _advertTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        StopDownTimerLocked();
        ResetDownTimerLocked(MasterDownTicks);
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
            SendAdvertLocked(0);
            _advertTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        StopDownTimerLocked();
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
        _transitions++;
        _lastTransition = new Control.VirtualRouterTransition(old, now, reason, detail, _time.GetUtcNow());
        Log.StateChanged(_logger, _name, _vrid, old, now, reason, detail ?? "");
        var args = new VrrpStateChangedEventArgs(_name, _vrid, _isIPv6, old, now, reason, MasterAddressLocked(), _priority, _time.GetUtcNow(), detail);
        EnqueueLocked(new VrrpAction(VrrpActionKind.RaiseStateChanged, args));
    }
}
