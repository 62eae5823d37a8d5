using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VirtualIp.Addressing;
using VirtualIp.Announcing;
using VirtualIp.Binding;
using VirtualIp.Diagnostics;
using VirtualIp.Election;
using VirtualIp.Events;
using VirtualIp.Health;
using VirtualIp.Health.Tracking;
using VirtualIp.Pools;
using VirtualIp.Vrrp;

namespace VirtualIp.Hosting;

/// <summary>
/// Runs everything configured: removes what a crashed run left behind, binds static VIPs, starts health checks,
/// tracking and the virtual routers; on stop, masters advertise priority 0 and every VIP is removed.
/// </summary>
internal sealed partial class VirtualIpHostedService : IHostedService, IVirtualIpRuntime, IAsyncDisposable
{
    private readonly IOptions<VirtualIpOptions> _options;
    private readonly PlatformAccessor _platform;
    private readonly VirtualIpEventStream _events;
    private readonly VirtualIpMetrics _metrics;
    private readonly IHealthMonitor _health;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly List<IAsyncDisposable> _asyncDisposables = [];
    private readonly List<IDisposable> _disposables = [];
    private readonly Dictionary<string, VipGuard> _guards = new(StringComparer.Ordinal);
    private readonly List<(string Interface, VipAddress Vip)> _staticBound = [];
    private readonly VipPoolRegistry _pools;
    private IReadOnlyList<IVirtualRouter> _routers = [];
    private readonly Dictionary<string, VipConflictDetector> _detectors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NotifyRunner> _notifiers = new(StringComparer.Ordinal);
    private AuditTrail? _audit;
    private IVirtualIpPlatform? _activePlatform;
    private ObservedBinder? _binder;

    public VirtualIpHostedService(IOptions<VirtualIpOptions> options, PlatformAccessor platform, VirtualIpEventStream events, VirtualIpMetrics metrics,
        IHealthMonitor health, VipPoolRegistry pools, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        _pools = pools;
        _options = options;
        _platform = platform;
        _events = events;
        _metrics = metrics;
        _health = health;
        _time = timeProvider ?? TimeProvider.System;
        _loggers = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger("VirtualIp");
    }

    public string? PlatformName => _activePlatform?.Name;

    public IReadOnlyList<IVirtualRouter> Routers => _routers;

    public IHealthMonitor Health => _health;

    public bool TrySetActiveAuthKey(string router, int keyId) =>
        keyId is >= 1 and <= 255 && _routers.OfType<VrrpRouter>().FirstOrDefault(r => r.Name == router) is { } r && r.TrySetActiveAuthKey((byte)keyId);

    public VipPool GetPool(string name) => _pools.Get(name);

    public Control.IVirtualRouterControl GetControl(string router) => Control.VirtualRouterControl.Find(_routers, router, _events.Publish);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = _options.Value;
        _audit = new AuditTrail(o.AuditLogPath, _loggers.CreateLogger("VirtualIp.Audit"));
        _events.Published += OnEvent;
        _events.HandlerFailed += OnHandlerFailed;
        if (o.Routers.Count == 0 && o.StaticVips.Count == 0 && o.Checks.Count == 0)
        {
            LogNothingConfigured(_logger);
            return;
        }

        var platform = _platform.Get();
        _activePlatform = platform;
        LogStarting(_logger, platform.Name, o.Routers.Count, o.StaticVips.Count, o.Checks.Count);

        var watcher = platform.CreateAddressWatcher();
        if (watcher is not null)
        {
            _asyncDisposables.Add(watcher);
            await watcher.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        var raw = platform.Binder;
        var interfaces = o.Routers.Select(r => r.Interface).Concat(o.StaticVips.Select(s => s.Interface)).Distinct(StringComparer.Ordinal).ToList();

        // 1. Crash cleanup: addresses we marked as ours but do not want now.
        if (o.RemoveStaleAddressesOnStart)
        {
            foreach (var iface in interfaces)
            {
                var keep = o.StaticVips.Where(s => s.Interface == iface).SelectMany(s => s.Vips).ToList();
                var removed = await raw.RemoveStaleAsync(iface, keep, cancellationToken).ConfigureAwait(false);
                if (removed.Count > 0)
                {
                    _events.Publish(new StaleAddressesRemovedEvent(_time.GetUtcNow(), iface, [.. removed.Select(b => b.ToVip())]));
                }
            }
        }

        // 2. Guards put back VIPs that something else deletes while we hold them.
        if (watcher is not null && o.RestoreDeletedVips)
        {
            foreach (var iface in interfaces)
            {
                var guard = new VipGuard(raw, watcher, iface, new VipGuardOptions(), _time, _loggers.CreateLogger<VipGuard>());
                guard.Deleted += (_, e) => _events.Publish(new VipDeletedExternallyEvent(_time.GetUtcNow(), iface, e.Vip.Address, Restored: false));
                guard.Restored += (_, e) => _events.Publish(new VipDeletedExternallyEvent(_time.GetUtcNow(), iface, e.Vip.Address, Restored: true));
                await guard.StartAsync(cancellationToken).ConfigureAwait(false);
                _guards[iface] = guard;
                _asyncDisposables.Add(guard);
            }
        }

        _binder = new ObservedBinder(raw, _events, _metrics, _time, iface => _guards.GetValueOrDefault(iface));
        var announcer = new VipAnnouncer(platform.FrameSenders, raw, new AnnouncementFrames(), new StaticOptionsMonitor<AnnouncerOptions>(o.Announcements),
            _time, _loggers.CreateLogger<VipAnnouncer>());
        announcer.FrameSent += (iface, _, _) => _metrics.Announced(iface);
        _disposables.Add(announcer);

        foreach (var iface in interfaces)
        {
            try
            {
                await announcer.PrepareAsync(iface, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPrepareFailed(_logger, iface, ex); // announcing will try again (and report) on takeover
            }
        }

        // 3. Static VIPs.
        foreach (var s in o.StaticVips)
        {
            foreach (var vip in s.Vips)
            {
                await _binder.AddAsync(s.Interface, vip, cancellationToken: cancellationToken).ConfigureAwait(false);
                _staticBound.Add((s.Interface, vip));
            }

            if (s.Announce)
            {
                _disposables.Add(announcer.Start(s.Interface, [.. s.Vips]));
            }
        }

        // 4. Health checks.
        _health.HealthChanged += OnHealthChanged;
        foreach (var c in o.Checks)
        {
            var probe = c.Probe ?? HealthProbes.Parse(c.Target!);
            _disposables.Add(_health.Add(c.Check, probe));
        }

        // 5. Routers, with tracking.
        var routerOptions = o.Routers.Select(r => { r.RemoveStaleAddressesOnStart = false; return r; }).ToList();
        _routers = VirtualRouterFactory.Create(routerOptions, platform.CreateTransport, _binder, announcer, _time, _loggers);
        foreach (var router in _routers)
        {
            _metrics.Track(router);
            _asyncDisposables.Add(router);
            if (router is VrrpRouter engine)
            {
                engine.TransitionObserver = e => OnStateChanged(engine, e);
            }
            else
            {
                router.StateChanged += OnStateChanged;
            }

            router.ConflictDetected += OnConflict;
            router.ActionFailed += (_, e) => _events.Publish(new ActionFailedEvent(e.Timestamp, e.RouterName, e.Action, e.Target, e.Exception.Message));
            var ro = routerOptions.First(r => r.Name == router.Name);
            var tracks = o.Tracking.Where(t => t.Router == router.Name).ToList();
            if (tracks.Count > 0)
            {
                var tracker = new PriorityTracker(ro.Priority, router.Name, _loggers.CreateLogger<PriorityTracker>());
                _disposables.Add(tracker);
                foreach (var t in tracks)
                {
                    if (t.Check is not null)
                    {
                        _disposables.Add(tracker.TrackCheck(_health, t.Check, t.Weight));
                    }
                    else if (watcher is not null)
                    {
                        var info = await raw.GetInterfaceAsync(t.Interface!, cancellationToken).ConfigureAwait(false);
                        _disposables.Add(tracker.TrackInterface(watcher, t.Interface!, t.Weight, info.IsUp));
                    }
                }

                tracker.EffectivePriorityChanged += (p, fault, reason) =>
                {
                    router.UpdateTracking(p, fault, reason);
                    _events.Publish(new PriorityChangedEvent(_time.GetUtcNow(), router.Name, p, fault, reason));
                };
                router.UpdateTracking(tracker.EffectivePriority, tracker.IsFault, "initial tracking state");
            }

            if (watcher is not null)
            {
                var iface = router.InterfaceName;
                watcher.Changed += (_, e) =>
                {
                    if (e.InterfaceName == iface && e.Kind is AddressChangeKind.LinkDown or AddressChangeKind.LinkUp)
                    {
                        router.SetLinkState(e.Kind == AddressChangeKind.LinkUp);
                    }
                };
            }
        }

        if (o.DetectVipConflicts)
        {
            await StartConflictDetectionAsync(platform, raw, announcer, cancellationToken).ConfigureAwait(false);
        }

        foreach (var router in _routers)
        {
            await router.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        await _events.FlushAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        LogStopping(_logger);
        foreach (var router in _routers.Reverse())
        {
            try
            {
                await router.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStopFailed(_logger, router.Name, ex);
            }
        }

        foreach (var (iface, vip) in _staticBound)
        {
            try
            {
                await _binder!.RemoveAsync(iface, vip, cancellationToken).ConfigureAwait(false);
            }
            catch (VipBindingException ex)
            {
                LogStopFailed(_logger, iface, ex);
            }
        }

        _staticBound.Clear();
        await _events.FlushAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        await DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in _disposables)
        {
            d.Dispose();
        }

        _disposables.Clear();
        foreach (var d in Enumerable.Reverse(_asyncDisposables))
        {
            await d.DisposeAsync().ConfigureAwait(false);
        }

        _asyncDisposables.Clear();
        _health.HealthChanged -= OnHealthChanged;
        _events.Published -= OnEvent;
        _events.HandlerFailed -= OnHandlerFailed;
        if (_audit is not null)
        {
            await _audit.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task StartConflictDetectionAsync(IVirtualIpPlatform platform, IVipBinder raw, IVipAnnouncer announcer, CancellationToken cancellationToken)
    {
        foreach (var iface in _routers.Select(r => r.InterfaceName).Distinct(StringComparer.Ordinal))
        {
            var listener = platform.CreateClaimListener(iface);
            if (listener is null)
            {
                continue;
            }

            _asyncDisposables.Add(listener);
            var info = await raw.GetInterfaceAsync(iface, cancellationToken).ConfigureAwait(false);
            var detector = new VipConflictDetector(iface, info.Mac, announcer, _time, _loggers.CreateLogger<VipConflictDetector>(), c =>
            {
                _metrics.VipConflict(c.Interface);
                _events.Publish(new VipConflictEvent(c.Timestamp, c.Interface, c.Address, c.ForeignMac, c.Router, c.Defended));
            });
            _disposables.Add(detector);
            await listener.StartAsync(detector, cancellationToken).ConfigureAwait(false);
            _detectors[iface] = detector;
        }
    }

    private void OnStateChanged(object? sender, VrrpStateChangedEventArgs e)
    {
        if (sender is VrrpRouter engine && _detectors.TryGetValue(engine.InterfaceName, out var detector))
        {
            if (e.NewState == VrrpState.Master)
            {
                detector.Hold(engine.Name, engine.Vips, engine.AnnounceMac);
            }
            else if (e.OldState == VrrpState.Master)
            {
                detector.Release(engine.Name);
            }
        }

        _metrics.Transition(e);
        if (e.NewState == VrrpState.Master && sender is VrrpRouter { LastTakeoverDuration: { } took } && e.Reason is VrrpTransitionReason.MasterDownTimer or VrrpTransitionReason.PriorityZeroReceived or VrrpTransitionReason.Preempted)
        {
            _metrics.Takeover(e.RouterName, took);
        }
        LogTransition(_logger, e.RouterName, e.VirtualRouterId, e.OldState, e.NewState, e.Reason, e.Priority, e.MasterAddress);
        _events.Publish(new RouterStateChangedEvent(e.Timestamp, e.RouterName, e.VirtualRouterId, e.OldState, e.NewState, e.Reason, e.Priority, e.MasterAddress, e.Detail));
        RunNotify(e);
    }

    private void OnHealthChanged(object? sender, HealthChangedEventArgs e) =>
        _events.Publish(new HealthChangedEvent(_time.GetUtcNow(), e.CheckName, e.OldState, e.NewState, e.LastResult.Reason));

    private void OnEvent(object? sender, VirtualIpEvent e) => _audit?.Write(e);

    private void RunNotify(VrrpStateChangedEventArgs e)
    {
        NotifyRunner? runner;
        lock (_notifiers)
        {
            if (!_notifiers.TryGetValue(e.RouterName, out runner))
            {
                runner = new NotifyRunner(_options.Value.Notify, _logger);
                _notifiers[e.RouterName] = runner;
            }
        }

        runner.Enqueue(e);
    }

    private void OnConflict(object? sender, RouterConflictEventArgs e)
    {
        _metrics.RouterConflict(e.RouterName);
        _events.Publish(new RouterConflictEvent(e.Timestamp, e.RouterName, e.VirtualRouterId, e.Source, e.AdvertisedPriority, e.Kind, e.State));
    }

    private void OnHandlerFailed(Exception ex) => LogEventHandlerFailed(_logger, ex);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "VirtualIp starting on {Platform}: {Routers} router(s), {Static} static VIP group(s), {Checks} check(s)")]
    private static partial void LogStarting(ILogger logger, string platform, int routers, int @static, int checks);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "VirtualIp has nothing to run: configure VirtualIp:Routers, VirtualIp:StaticVips or VirtualIp:Checks")]
    private static partial void LogNothingConfigured(ILogger logger);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Router} (VRID {Vrid}): {Old} -> {New} ({Reason}), priority {Priority}, master {Master}")]
    private static partial void LogTransition(ILogger logger, string router, byte vrid, VrrpState old, VrrpState @new, VrrpTransitionReason reason, int priority, System.Net.IPAddress? master);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "VirtualIp stopping: masters advertise priority 0 and VIPs are removed")]
    private static partial void LogStopping(ILogger logger);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Stopping {Name} failed")]
    private static partial void LogStopFailed(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "A VirtualIp event handler threw; the other handlers still ran")]
    private static partial void LogEventHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Could not prepare announcements on {Interface}")]
    private static partial void LogPrepareFailed(ILogger logger, string @interface, Exception exception);

}

/// <summary>An options monitor over a fixed value.</summary>
internal sealed class StaticOptionsMonitor<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
