using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Announcing;
using VirtualIp.Binding;
using VirtualIp.Diagnostics;
using VirtualIp.Events;

namespace VirtualIp.Hosting;

/// <summary>
/// What the platform gives one run of the host: the address watcher, the observed binder (events, metrics, guards) and
/// the announcer. Opened by the orchestrator at start, disposed at stop; the other parts use it.
/// </summary>
internal sealed partial class PlatformSession(PlatformAccessor platforms, VirtualIpEventStream events, VirtualIpMetrics metrics, AddressGuards guards,
    AnnouncerOptionsSource announcements, TimeProvider time, ILoggerFactory? loggerFactory = null) : IAsyncDisposable
{
    private readonly ILoggerFactory _loggers = loggerFactory ?? NullLoggerFactory.Instance;
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("VirtualIp.Hosting");
    private readonly HashSet<string> _prepared = new(StringComparer.Ordinal);
    private IVipAnnouncer? _announcer;
    private VipAnnouncer? _owned;
    private ObservedBinder? _binder;

    public IVirtualIpPlatform? Platform { get; private set; }

    public IAddressWatcher? Watcher { get; private set; }

    public IVipBinder Raw => Platform?.Binder ?? throw new InvalidOperationException("The platform session is not open.");

    public IVipBinder Binder => _binder ?? throw new InvalidOperationException("The platform session is not open.");

    public IVipAnnouncer Announcer => _announcer ?? throw new InvalidOperationException("The platform session is not open.");

    /// <summary>Finds the platform and starts its address watcher (link and address events).</summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        var platform = platforms.Get();
        Platform = platform;
        Watcher = platform.CreateAddressWatcher();
        if (Watcher is not null)
        {
            await Watcher.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        _binder = new ObservedBinder(platform.Binder, events, metrics, time, guards.GuardFor);
        _owned = new VipAnnouncer(platform.FrameSenders, platform.Binder, new AnnouncementFrames(), announcements, time, _loggers.CreateLogger<VipAnnouncer>());
        _owned.FrameSent += (iface, _, _) => metrics.Announced(iface);
        _announcer = _owned;
    }

    /// <summary>Prepares announcing on <paramref name="interfaceName"/> once (opening the frame sender); a failure is logged and retried on takeover.</summary>
    public async Task PrepareAsync(string interfaceName, CancellationToken cancellationToken)
    {
        if (_owned is null || !_prepared.Add(interfaceName))
        {
            return;
        }

        try
        {
            await _owned.PrepareAsync(interfaceName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPrepareFailed(_logger, interfaceName, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _owned?.Dispose();
        _owned = null;
        _announcer = null;
        _prepared.Clear();
        if (Watcher is { } w)
        {
            Watcher = null;
            await w.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Could not prepare announcements on {Interface}")]
    private static partial void LogPrepareFailed(ILogger logger, string @interface, Exception exception);
}
