using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Election;
using VirtualIp.Health;
using VirtualIp.Health.Load;
using VirtualIp.Vrrp;

namespace VirtualIp.Hosting;

/// <summary>
/// The running virtual routers, each with its tracking and link events. A reload is applied by name: routers gone are
/// stopped (a master hands over with priority 0), new ones are started, and changed ones are reconfigured in place
/// (<see cref="VrrpRouter.Reconfigure"/>) or, when their identity changed (VRID, interface, family…), removed and added.
/// </summary>
internal sealed partial class RouterSet(PlatformSession session, EventBridge bridge, ConflictDetection conflicts, IHealthMonitor health, TimeProvider time,
    ILoggerFactory? loggerFactory = null, LoadTracking? loadTracking = null) : IAsyncDisposable
{
    private readonly ILoggerFactory _loggers = loggerFactory ?? NullLoggerFactory.Instance;
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("VirtualIp.Hosting");
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly VirtualMacs _virtualMacs = new(session, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("VirtualIp.Hosting"));
    private volatile IVirtualRouter[] _routers = [];
    private VrrpRouterBuilder? _builder;
    private bool _detectConflicts;
    private ILookup<string, LoadTrack> _load = Array.Empty<LoadTrack>().ToLookup(t => t.Router, StringComparer.Ordinal);

    /// <summary>The routers, in configuration order.</summary>
    public IReadOnlyList<IVirtualRouter> Routers => _routers;

    /// <summary>The engine of router <paramref name="name"/>, or null.</summary>
    public VrrpRouter? Find(string name)
    {
        lock (_entries)
        {
            return _entries.GetValueOrDefault(name)?.Router;
        }
    }

    /// <summary>Creates and starts the configured routers.</summary>
    /// <param name="configs">The routers.</param>
    /// <param name="detectConflicts">Watch for VIP conflicts.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <param name="load">The load tracks of every router (by <see cref="LoadTrack.Router"/>).</param>
    public async Task StartAsync(IReadOnlyList<VrrpRouterConfiguration> configs, bool detectConflicts, CancellationToken cancellationToken,
        IReadOnlyList<LoadTrack>? load = null)
    {
        _detectConflicts = detectConflicts;
        _load = (load ?? []).ToLookup(t => t.Router, StringComparer.Ordinal);
        _builder = new VrrpRouterBuilder(c => session.Platform!.CreateTransport(c.ToOptions()), session.Binder, session.Announcer, time, _loggers);
        var created = new List<Entry>();
        foreach (var c in configs)
        {
            created.Add(await AddAsync(c, cancellationToken).ConfigureAwait(false));
        }

        Publish(configs);
        foreach (var e in created)
        {
            await e.Router.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Makes the running routers match <paramref name="configs"/> (a configuration reload).</summary>
    /// <param name="configs">The routers.</param>
    /// <param name="cancellationToken">Cancels the reload.</param>
    /// <param name="load">The load tracks of every router (by <see cref="LoadTrack.Router"/>).</param>
    public async Task ApplyAsync(IReadOnlyList<VrrpRouterConfiguration> configs, CancellationToken cancellationToken, IReadOnlyList<LoadTrack>? load = null)
    {
        _load = (load ?? []).ToLookup(t => t.Router, StringComparer.Ordinal);
        var wanted = configs.ToDictionary(c => c.Name, StringComparer.Ordinal);
        List<Entry> current;
        lock (_entries)
        {
            current = [.. _entries.Values];
        }

        foreach (var e in current)
        {
            if (!wanted.TryGetValue(e.Config.Name, out var next) || !e.Config.CanReconfigureTo(next))
            {
                LogRouterRemoved(_logger, e.Config.Name);
                await RemoveAsync(e, cancellationToken).ConfigureAwait(false);
            }
        }

        var started = new List<Entry>();
        foreach (var c in configs)
        {
            Entry? e;
            lock (_entries)
            {
                e = _entries.GetValueOrDefault(c.Name);
            }

            if (e is null)
            {
                LogRouterAdded(_logger, c.Name);
                started.Add(await AddAsync(c, cancellationToken).ConfigureAwait(false));
            }
            else if (!e.Config.SameAs(c) || !e.Load.SequenceEqual(LoadOf(c.Name)))
            {
                await ReconfigureAsync(e, c, cancellationToken).ConfigureAwait(false);
            }
        }

        Publish(configs);
        foreach (var e in started)
        {
            await e.Router.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops every router (masters advertise priority 0 and release their VIPs).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var r in _routers.Reverse())
        {
            try
            {
                await r.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStopFailed(_logger, r.Name, ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Entry> all;
        lock (_entries)
        {
            all = [.. _entries.Values];
            _entries.Clear();
        }

        _routers = [];
        foreach (var e in Enumerable.Reverse(all))
        {
            e.Dispose();
            bridge.Detach(e.Router);
            await e.Router.DisposeAsync().ConfigureAwait(false);
            _virtualMacs.Remove(e.VirtualMac);
        }
    }

    private async Task<Entry> AddAsync(VrrpRouterConfiguration c, CancellationToken cancellationToken)
    {
        // With UseVirtualMac the router runs on the virtual MAC interface (transport, VIPs, announcements).
        var virtualMac = _virtualMacs.Create(c);
        VrrpRouter router;
        try
        {
            router = _builder!.Build(VirtualMacs.On(c, virtualMac));
        }
        catch
        {
            _virtualMacs.Remove(virtualMac);
            throw;
        }

        bridge.Attach(router);
        var entry = new Entry(router, c) { Link = session.Watcher?.ConnectLinkState([router]), VirtualMac = virtualMac };
        lock (_entries)
        {
            _entries[c.Name] = entry;
        }

        await session.PrepareAsync(router.InterfaceName, cancellationToken).ConfigureAwait(false);
        entry.Load = LoadOf(c.Name);
        entry.Tracking = await RouterTracking.StartAsync(router, c, entry.Load, health, session, bridge, loadTracking, _loggers, cancellationToken).ConfigureAwait(false);
        if (_detectConflicts)
        {
            await conflicts.EnsureAsync(c.Interface, cancellationToken).ConfigureAwait(false);
        }

        return entry;
    }

    private async Task RemoveAsync(Entry e, CancellationToken cancellationToken)
    {
        lock (_entries)
        {
            _entries.Remove(e.Config.Name);
        }

        e.Dispose();
        try
        {
            await e.Router.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            bridge.Detach(e.Router);
            await e.Router.DisposeAsync().ConfigureAwait(false);
            _virtualMacs.Remove(e.VirtualMac);
        }
    }

    private async Task ReconfigureAsync(Entry e, VrrpRouterConfiguration next, CancellationToken cancellationToken)
    {
        LogRouterReconfigured(_logger, next.Name, e.Config.Priority, next.Priority, e.Config.AdvertisementInterval, next.AdvertisementInterval, next.Vips.Count);
        var load = LoadOf(next.Name);
        bool retrack = e.Config.Priority != next.Priority || !e.Config.TracksEqual(next) || !e.Load.SequenceEqual(load);
        if (!e.Config.SameAs(next))
        {
            e.Router.Reconfigure(VirtualMacs.On(next, e.VirtualMac));
            await e.Router.WhenIdleAsync().WaitAsync(cancellationToken).ConfigureAwait(false); // the VIPs added / released are done when the reload is
        }

        if (retrack)
        {
            e.Tracking?.Dispose();
            e.Load = load;
            e.Tracking = await RouterTracking.StartAsync(e.Router, next, load, health, session, bridge, loadTracking, _loggers, cancellationToken).ConfigureAwait(false);
            if (e.Tracking is null)
            {
                e.Router.UpdateTracking(next.Priority, fault: false, "tracking removed");
            }
        }

        e.Config = next;
    }

    private LoadTrack[] LoadOf(string router) => [.. _load[router]];

    private void Publish(IReadOnlyList<VrrpRouterConfiguration> order)
    {
        lock (_entries)
        {
            _routers = [.. order.Select(c => _entries.GetValueOrDefault(c.Name)?.Router).OfType<IVirtualRouter>()];
        }
    }

    private sealed class Entry(VrrpRouter router, VrrpRouterConfiguration config) : IDisposable
    {
        public VrrpRouter Router { get; } = router;

        public VrrpRouterConfiguration Config { get; set; } = config;

        public RouterTracking? Tracking { get; set; }

        public IReadOnlyList<LoadTrack> Load { get; set; } = [];

        public IDisposable? Link { get; init; }

        /// <summary>The virtual MAC interface the router runs on (UseVirtualMac), or null.</summary>
        public string? VirtualMac { get; init; }

        public void Dispose()
        {
            Tracking?.Dispose();
            Tracking = null;
            Link?.Dispose();
        }
    }

    [LoggerMessage(EventId = 1040, Level = LogLevel.Error, Message = "Stopping router {Name} failed")]
    private static partial void LogStopFailed(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 1041, Level = LogLevel.Information, Message = "Reload: router {Name} added")]
    private static partial void LogRouterAdded(ILogger logger, string name);

    [LoggerMessage(EventId = 1042, Level = LogLevel.Information, Message = "Reload: router {Name} removed (or replaced: its VRID, interface, family or protocol settings changed)")]
    private static partial void LogRouterRemoved(ILogger logger, string name);

    [LoggerMessage(EventId = 1043, Level = LogLevel.Information, Message = "Reload: router {Name} reconfigured in place: priority {OldPriority} -> {Priority}, interval {OldInterval} -> {Interval}, {Vips} VIP(s)")]
    private static partial void LogRouterReconfigured(ILogger logger, string name, int oldPriority, int priority, TimeSpan oldInterval, TimeSpan interval, int vips);
}
