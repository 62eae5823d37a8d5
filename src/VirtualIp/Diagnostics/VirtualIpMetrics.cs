using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using VirtualIp.Election;
using VirtualIp.Vrrp;
using static VirtualIp.Diagnostics.MetricNames;

namespace VirtualIp.Diagnostics;

/// <summary>
/// The engine's instruments on the <see cref="VirtualIpMeters.Core"/> meter: router state (one series per state) and
/// priority, transitions, adverts sent/received/rejected, takeover time, VIP changes, announcements and conflicts.
/// Created through the host's <see cref="IMeterFactory"/>; without one nothing is recorded.
/// </summary>
internal sealed class VirtualIpMetrics
{
    private readonly ConcurrentDictionary<string, IVirtualRouter> _routers = new(StringComparer.Ordinal);
    private readonly Counter<long>? _transitions;
    private readonly Counter<long>? _vipChanges;
    private readonly Counter<long>? _announcements;
    private readonly Histogram<double>? _takeover;
    private readonly Counter<long>? _routerConflicts;
    private readonly Counter<long>? _vipConflicts;

    public VirtualIpMetrics(IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            return;
        }

        var meter = meterFactory.Create(VirtualIpMeters.Core);
        _transitions = meter.CreateCounter<long>("virtualip.vrrp.transitions", "{transition}",
            "VRRP state transitions, by router, new and previous state and reason.");
        _vipChanges = meter.CreateCounter<long>("virtualip.vip.changes", "{change}", "VIPs added or removed by this node, by interface and operation.");
        _announcements = meter.CreateCounter<long>("virtualip.vip.announcements", "{frame}", "Gratuitous ARP and unsolicited NA frames sent, by interface.");
        _takeover = meter.CreateHistogram<double>("virtualip.vrrp.takeover.duration", "s",
            "Time from the last advert heard from the old master to this node becoming master (the failover this node measured).",
            tags: null, advice: TakeoverBuckets);
        _routerConflicts = meter.CreateCounter<long>("virtualip.vrrp.conflicts", "{event}",
            "Adverts for our VRID from a source that is neither us nor a known peer with a higher priority (raised events, rate-limited per source).");
        _vipConflicts = meter.CreateCounter<long>("virtualip.vip.conflicts", "{event}",
            "ARP / Neighbor Advertisements from a foreign MAC claiming a VIP this node holds as master.");
        meter.CreateObservableGauge("virtualip.vrrp.state", ObserveState, "{state}",
            "1 for the router's current VRRP state, 0 for the other states (one series per router and state).");
        meter.CreateObservableGauge("virtualip.vrrp.priority", ObservePriority, "{priority}", "Effective router priority (0-255).");
        meter.CreateObservableCounter("virtualip.vrrp.advertisements.sent", () => Observe(s => s.AdvertisementsSent), "{packet}", "VRRP adverts sent.");
        meter.CreateObservableCounter("virtualip.vrrp.advertisements.received", () => Observe(s => s.AdvertisementsReceived), "{packet}", "VRRP adverts accepted.");
        meter.CreateObservableCounter("virtualip.vrrp.advertisements.rejected", ObserveRejected, "{packet}", "VRRP packets dropped, by reason (error.type).");
    }

    public void Track(IVirtualRouter router) => _routers[router.Name] = router;

    /// <summary>Stops observing a router removed by a configuration reload.</summary>
    public void Untrack(IVirtualRouter router) => _routers.TryRemove(new KeyValuePair<string, IVirtualRouter>(router.Name, router));

    public void Transition(VrrpStateChangedEventArgs e) =>
        _transitions?.Add(1, new(RouterName, e.RouterName), new(PreviousStateTag, ToValue(e.OldState)), new(StateTag, ToValue(e.NewState)),
            new(TransitionReason, ToValue(e.Reason)));

    public void VipChanged(string iface, bool added) => _vipChanges?.Add(1, new(InterfaceName, iface), new(VipOperation, added ? "add" : "remove"));

    public void Announced(string iface) => _announcements?.Add(1, new KeyValuePair<string, object?>(InterfaceName, iface));

    public void RouterConflict(string router) => _routerConflicts?.Add(1, new KeyValuePair<string, object?>(RouterName, router));

    public void VipConflict(string iface) => _vipConflicts?.Add(1, new KeyValuePair<string, object?>(InterfaceName, iface));

    public void Takeover(string router, TimeSpan duration) => _takeover?.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(RouterName, router));

    private IEnumerable<Measurement<int>> ObserveState()
    {
        foreach (var r in _routers.Values)
        {
            var current = r.State;
            foreach (var state in States)
            {
                yield return new Measurement<int>(state == current ? 1 : 0, new(RouterName, r.Name), new(StateTag, ToValue(state)));
            }
        }
    }

    private IEnumerable<Measurement<int>> ObservePriority() =>
        _routers.Values.Select(r => new Measurement<int>(r.Priority, new KeyValuePair<string, object?>(RouterName, r.Name)));

    private IEnumerable<Measurement<long>> Observe(Func<VrrpRouterStatistics, long> value) =>
        _routers.Values.Select(r => new Measurement<long>(value(r.GetStatistics()), new KeyValuePair<string, object?>(RouterName, r.Name)));

    private IEnumerable<Measurement<long>> ObserveRejected()
    {
        foreach (var r in _routers.Values)
        {
            var s = r.GetStatistics();
            foreach (var reason in Enum.GetValues<VrrpRejectReason>())
            {
                if (reason != VrrpRejectReason.None && s.GetRejected(reason) is > 0 and var n)
                {
                    yield return new Measurement<long>(n, new(RouterName, r.Name), new(ErrorType, VrrpRejectReasonNames.ToTag(reason)));
                }
            }
        }
    }
}
