using VirtualIp.Addressing;
using VirtualIp.Health;
using VirtualIp.Health.Load;
using VirtualIp.Vrrp;

namespace VirtualIp.Hosting;

/// <summary>
/// The immutable snapshot of validated <see cref="VirtualIpOptions"/> the host runs (at start and after each accepted
/// reload). Nothing downstream reads the options objects, so nothing can change them under a running engine.
/// </summary>
internal sealed class VirtualIpConfiguration
{
    private VirtualIpConfiguration(VirtualIpOptions o)
    {
        // The host removes stale addresses itself, once, before any router starts: routers never do it.
        Routers = [.. o.Routers.Select(r => VrrpRouterConfiguration.FromValidated(r).WithoutStaleCleanup())];
        StaticVips = [.. o.StaticVips.Select(s => new StaticVipGroup(s.Interface, [.. s.Vips], s.Announce))];
        Checks = [.. o.Checks.Select(HealthCheckEntry.From)];
        LoadTracks = [.. o.TrackLoad.Select(LoadTrack.From)];
        RemoveStaleAddressesOnStart = o.RemoveStaleAddressesOnStart;
        RestoreDeletedVips = o.RestoreDeletedVips;
        DetectVipConflicts = o.DetectVipConflicts;
    }

    public IReadOnlyList<VrrpRouterConfiguration> Routers { get; }

    public IReadOnlyList<StaticVipGroup> StaticVips { get; }

    public IReadOnlyList<HealthCheckEntry> Checks { get; }

    /// <summary>The routers' load tracks.</summary>
    public IReadOnlyList<LoadTrack> LoadTracks { get; }

    public bool RemoveStaleAddressesOnStart { get; }

    public bool RestoreDeletedVips { get; }

    public bool DetectVipConflicts { get; }

    public bool IsEmpty => Routers.Count == 0 && StaticVips.Count == 0 && Checks.Count == 0;

    /// <summary>Every interface a router or a static VIP uses.</summary>
    public IReadOnlyList<string> Interfaces =>
        [.. Routers.Select(r => r.Interface).Concat(StaticVips.Select(s => s.Interface)).Distinct(StringComparer.Ordinal)];

    /// <summary>Snapshots options that validation accepted.</summary>
    public static VirtualIpConfiguration FromValidated(VirtualIpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new VirtualIpConfiguration(options);
    }
}

/// <summary>Static VIPs of one interface.</summary>
internal sealed record StaticVipGroup(string Interface, IReadOnlyList<VipAddress> Vips, bool Announce);

/// <summary>One configured health check, immutable.</summary>
internal sealed record HealthCheckEntry(string Name, string? Target, IHealthProbe? Probe, TimeSpan Interval, TimeSpan Timeout, int Rise, int Fall,
    HealthState InitialState, double JitterFraction, int Weight)
{
    public static HealthCheckEntry From(HealthCheckEntryOptions e) => new(e.Check.Name, e.Target, e.Probe, e.Check.Interval, e.Check.Timeout,
        e.Check.Rise, e.Check.Fall, e.Check.InitialState, e.Check.JitterFraction, e.Check.Weight);

    public HealthCheckOptions ToOptions() => new()
    {
        Name = Name, Interval = Interval, Timeout = Timeout, Rise = Rise, Fall = Fall, InitialState = InitialState,
        JitterFraction = JitterFraction, Weight = Weight,
    };

    public IHealthProbe CreateProbe() => Probe ?? HealthProbes.Parse(Target!);
}
