using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using VirtualIp.Election;
using VirtualIp.Vrrp;

namespace VirtualIp.Diagnostics;

/// <summary>
/// The "VirtualIp" meter: router state and priority, transitions, adverts sent/received/rejected by reason,
/// VIP bindings and announcements. Readable by OpenTelemetry and dotnet-counters.
/// </summary>
internal sealed class VirtualIpMetrics : IDisposable
{
    public const string MeterName = "VirtualIp";

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<string, IVirtualRouter> _routers = new(StringComparer.Ordinal);
    private readonly Counter<long> _transitions;
    private readonly Counter<long> _vipChanges;
    private readonly Counter<long> _announcements;
    private readonly Histogram<double> _takeover;
    private readonly Counter<long> _routerConflicts;
    private readonly Counter<long> _vipConflicts;

    public VirtualIpMetrics(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _transitions = _meter.CreateCounter<long>("virtualip.vrrp.transitions", "{transition}", "VRRP state transitions, tagged by router, state and reason.");
        _vipChanges = _meter.CreateCounter<long>("virtualip.vip.changes", "{change}", "VIPs added or removed by this node, tagged by interface and operation.");
        _announcements = _meter.CreateCounter<long>("virtualip.announcements", "{frame}", "Gratuitous ARP and unsolicited NA frames sent.");
        _takeover = _meter.CreateHistogram<double>("virtualip.vrrp.takeover.duration", "s",
            "Time from the last advert heard from the old master to this node becoming master (the failover this node measured).");
        _routerConflicts = _meter.CreateCounter<long>("virtualip.vrrp.conflicts", "{event}",
            "Adverts for our VRID from a source that is neither us nor a known peer with a higher priority (raised events, rate-limited per source).");
        _vipConflicts = _meter.CreateCounter<long>("virtualip.vip.conflicts", "{event}",
            "ARP / Neighbor Advertisements from a foreign MAC claiming a VIP this node holds as master.");
        _meter.CreateObservableGauge("virtualip.vrrp.state", ObserveState, "{state}", "Router state: 0 Initialize, 1 Backup, 2 Master, 3 Fault.");
        _meter.CreateObservableGauge("virtualip.vrrp.priority", ObservePriority, "{priority}", "Effective router priority.");
        _meter.CreateObservableCounter("virtualip.vrrp.adverts.sent", () => Observe(s => s.AdvertisementsSent), "{packet}", "VRRP adverts sent.");
        _meter.CreateObservableCounter("virtualip.vrrp.adverts.received", () => Observe(s => s.AdvertisementsReceived), "{packet}", "VRRP adverts accepted.");
        _meter.CreateObservableCounter("virtualip.vrrp.adverts.rejected", ObserveRejected, "{packet}", "VRRP packets dropped, tagged by reason.");
    }

    public void Track(IVirtualRouter router) => _routers[router.Name] = router;

    /// <summary>Stops observing a router removed by a configuration reload.</summary>
    public void Untrack(IVirtualRouter router) => _routers.TryRemove(new KeyValuePair<string, IVirtualRouter>(router.Name, router));

    public void Transition(VrrpStateChangedEventArgs e) =>
        _transitions.Add(1, new("router", e.RouterName), new("from", e.OldState.ToString()), new("to", e.NewState.ToString()), new("reason", e.Reason.ToString()));

    public void VipChanged(string iface, bool added) => _vipChanges.Add(1, new("interface", iface), new("operation", added ? "add" : "remove"));

    public void Announced(string iface) => _announcements.Add(1, new KeyValuePair<string, object?>("interface", iface));

    public void RouterConflict(string router) => _routerConflicts.Add(1, new KeyValuePair<string, object?>("router", router));

    public void VipConflict(string iface) => _vipConflicts.Add(1, new KeyValuePair<string, object?>("interface", iface));

    public void Takeover(string router, TimeSpan duration) => _takeover.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("router", router));

    private IEnumerable<Measurement<int>> ObserveState() =>
        _routers.Values.Select(r => new Measurement<int>((int)r.State, new KeyValuePair<string, object?>("router", r.Name)));

    private IEnumerable<Measurement<int>> ObservePriority() =>
        _routers.Values.Select(r => new Measurement<int>(r.Priority, new KeyValuePair<string, object?>("router", r.Name)));

    private IEnumerable<Measurement<long>> Observe(Func<VrrpRouterStatistics, long> value) =>
        _routers.Values.Select(r => new Measurement<long>(value(r.GetStatistics()), new KeyValuePair<string, object?>("router", r.Name)));

    private IEnumerable<Measurement<long>> ObserveRejected()
    {
        foreach (var r in _routers.Values)
        {
            var s = r.GetStatistics();
            foreach (var reason in Enum.GetValues<VrrpRejectReason>())
            {
                if (reason != VrrpRejectReason.None && s.GetRejected(reason) is > 0 and var n)
                {
                    yield return new Measurement<long>(n, new("router", r.Name), new("reason", VrrpRejectReasonNames.ToTag(reason)));
                }
            }
        }
    }

    public void Dispose() => _meter.Dispose();
}
