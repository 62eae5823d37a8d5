using Microsoft.Extensions.Logging;
using VirtualIp.Health;
using VirtualIp.Health.Load;
using VirtualIp.Health.Tracking;
using VirtualIp.Vrrp;

namespace VirtualIp.Hosting;

/// <summary>
/// One router's tracking (keepalived track_script / track_interface): a <see cref="PriorityTracker"/> over the checks and
/// interfaces on the router's own configuration and its load tracks (<see cref="LoadTrack"/>), feeding <see cref="VrrpRouter.UpdateTracking"/>. Replaced as a whole when
/// the router's priority or tracking changes on reload.
/// </summary>
internal sealed class RouterTracking : IDisposable
{
    private readonly List<IDisposable> _inputs = [];
    private readonly PriorityTracker _tracker;

    private RouterTracking(PriorityTracker tracker) => _tracker = tracker;

    /// <summary>Starts tracking for <paramref name="router"/>; null when its configuration tracks nothing.</summary>
    public static async Task<RouterTracking?> StartAsync(VrrpRouter router, VrrpRouterConfiguration config, IReadOnlyList<LoadTrack> load, IHealthMonitor health,
        PlatformSession session, EventBridge bridge, LoadTracking? loadTracking, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (config.TrackChecks.Count == 0 && config.TrackInterfaces.Count == 0 && (load.Count == 0 || loadTracking is null))
        {
            return null;
        }

        var tracking = new RouterTracking(new PriorityTracker(config.Priority, config.Name, loggers.CreateLogger<PriorityTracker>()));
        try
        {
            foreach (var t in config.TrackChecks)
            {
                tracking._inputs.Add(tracking._tracker.TrackCheck(health, t.Name, t.Weight));
            }

            if (session.Watcher is { } watcher)
            {
                foreach (var t in config.TrackInterfaces)
                {
                    var info = await session.Raw.GetInterfaceAsync(t.Name, cancellationToken).ConfigureAwait(false);
                    tracking._inputs.Add(tracking._tracker.TrackInterface(watcher, t.Name, t.Weight, info.IsUp));
                }
            }

            if (loadTracking is not null)
            {
                foreach (var t in load)
                {
                    tracking._inputs.Add(loadTracking.Start(t, tracking._tracker));
                }
            }
        }
        catch
        {
            tracking.Dispose();
            throw;
        }

        tracking._tracker.EffectivePriorityChanged += (p, fault, reason) =>
        {
            router.UpdateTracking(p, fault, reason);
            bridge.PriorityChanged(router.Name, p, fault, reason);
        };
        router.UpdateTracking(tracking._tracker.EffectivePriority, tracking._tracker.IsFault, "initial tracking state");
        return tracking;
    }

    public void Dispose()
    {
        foreach (var d in _inputs)
        {
            d.Dispose();
        }

        _inputs.Clear();
        _tracker.Dispose();
    }
}
