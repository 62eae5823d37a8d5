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
/// <para>
/// This type coordinates; each concern has its own type or file: <see cref="VrrpAdvertValidator"/> and
/// <c>VrrpRouter.Receive.cs</c> (receive), <see cref="VrrpAdvertSender"/> (send), <c>VrrpRouter.Transitions.cs</c>
/// (state changes), <see cref="VrrpDeadline"/> (the Master_Down_Timer and the deferred re-announcement of
/// <c>VrrpRouter.Reannounce.cs</c>), <see cref="VrrpRouterCounters"/> (counters),
/// <see cref="VrrpMasterRecord"/> (the master we follow).
/// </para>
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
    private bool _preempt;
    private long _preemptDelayTicks;
    private VipAddress[] _vips;
    private readonly int _addressLength;
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
    private readonly long _frequency;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);

    // The parts, one job each (all used under _gate): counters, the send half (advert content, buffers, advert and
    // hand-back timers), the receive checks, the Master_Down_Timer, and who the master is.
    private readonly VrrpRouterCounters _counters = new();
    private readonly VrrpAdvertSender _sender;
    private readonly VrrpAdvertValidator _validator;
    private readonly VrrpDeadline _downTimer;
    private readonly VrrpMasterRecord _master = new();

    // State (guarded by _gate).
    private VrrpState _state = VrrpState.Initialize;
    private bool _running;
    private bool _disposed;
    private byte _priority;
    private bool _trackingFault;
    private string? _trackingReason;
    private bool _linkDown;

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

        ushort intervalCs = (ushort)(options.AdvertisementInterval.Ticks / (TimeSpan.TicksPerMillisecond * 10));
        _masterIntervalCs = intervalCs;
        _preempt = options.Preempt;
        _addressLength = _isIPv6 ? 16 : 4;

        VrrpAuthType authType = VrrpAuthType.None;
        byte[] authData = [];
        if (_version == VrrpVersion.V2 && options.AuthPassword is { Length: > 0 } password)
        {
            authType = VrrpAuthType.SimpleText;
            authData = new byte[VrrpCodec.V2AuthDataLength];
            Encoding.ASCII.GetBytes(password, authData);
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

        _sender = new VrrpAdvertSender(_name, _vrid, _version, _isIPv6, intervalCs, EncodeVips(_vips, _addressLength), authType, authData,
            options.ChecksumMode, mux, _auth, _counters, timeProvider, logger, OnAdvertTimer, SendHandoverAdvert);
        _validator = new VrrpAdvertValidator(options, authType, authData, _auth, _counters, timeProvider, logger);
        _downTimer = new VrrpDeadline(timeProvider, _gate, OnMasterDownLocked);
        _reannounceTimer = new VrrpDeadline(timeProvider, _gate, OnReannounceDueLocked);
        InitializeHardening(options);

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

    /// <summary>A snapshot of the counters.</summary>
    public VrrpRouterStatistics GetStatistics()
    {
        lock (_gate)
        {
            return _counters.Snapshot(_mux.SnapshotRejected());
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
}
