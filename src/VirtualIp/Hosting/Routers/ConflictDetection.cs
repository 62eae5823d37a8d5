using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Announcing;
using VirtualIp.Diagnostics;
using VirtualIp.Election;
using VirtualIp.Events;
using VirtualIp.Vrrp;

namespace VirtualIp.Hosting;

/// <summary>
/// VIP conflict detection (RFC 5227 2.4): one claim listener and <see cref="VipConflictDetector"/> per router interface; a
/// router's VIPs are held while it is master.
/// </summary>
internal sealed class ConflictDetection(PlatformSession session, VirtualIpEventStream events, VirtualIpMetrics metrics, TimeProvider time, ILoggerFactory? loggerFactory = null)
    : IAsyncDisposable
{
    private readonly ILoggerFactory _loggers = loggerFactory ?? NullLoggerFactory.Instance;
    private readonly ConcurrentDictionary<string, VipConflictDetector> _detectors = new(StringComparer.Ordinal);
    private readonly List<IAsyncDisposable> _listeners = [];

    /// <summary>Starts detection on <paramref name="interfaceName"/> unless it runs already or the platform has no listener.</summary>
    public async Task EnsureAsync(string interfaceName, CancellationToken cancellationToken)
    {
        if (_detectors.ContainsKey(interfaceName) || session.Platform?.CreateClaimListener(interfaceName) is not { } listener)
        {
            return;
        }

        lock (_listeners)
        {
            _listeners.Add(listener);
        }

        var info = await session.Raw.GetInterfaceAsync(interfaceName, cancellationToken).ConfigureAwait(false);
        var detector = new VipConflictDetector(interfaceName, info.Mac, session.Announcer, time, _loggers.CreateLogger<VipConflictDetector>(), c =>
        {
            metrics.VipConflict(c.Interface);
            events.Publish(new VipConflictEvent(c.Timestamp, c.Interface, c.Address, c.ForeignMac, c.Router, c.Defended));
        });
        _detectors[interfaceName] = detector;
        await listener.StartAsync(detector, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Holds a new master's VIPs; releases them when it leaves master.</summary>
    public void OnTransition(VrrpRouter router, VrrpStateChangedEventArgs e)
    {
        if (!_detectors.TryGetValue(router.InterfaceName, out var detector))
        {
            return;
        }

        if (e.NewState == VrrpState.Master)
        {
            detector.Hold(router.Name, router.Vips, router.AnnounceMac);
        }
        else if (e.OldState == VrrpState.Master)
        {
            detector.Release(router.Name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in _detectors.Values)
        {
            d.Dispose();
        }

        _detectors.Clear();
        IAsyncDisposable[] listeners;
        lock (_listeners)
        {
            listeners = [.. _listeners];
            _listeners.Clear();
        }

        foreach (var l in listeners.Reverse())
        {
            await l.DisposeAsync().ConfigureAwait(false);
        }
    }
}
