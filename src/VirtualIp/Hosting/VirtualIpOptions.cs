using VirtualIp.Addressing;
using VirtualIp.Announcing;
using VirtualIp.Health;
using VirtualIp.Health.Load;
using VirtualIp.Pools;
using VirtualIp.Vrrp;

namespace VirtualIp.Hosting;

/// <summary>
/// Everything VirtualIp runs, bound from the "VirtualIp" configuration section (see docs/configuration.md)
/// or built in code through <c>services.AddVirtualIp(...)</c>.
/// </summary>
public sealed class VirtualIpOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "VirtualIp";

    /// <summary>Floating VIPs: VRRP virtual routers.</summary>
    public IList<VrrpRouterOptions> Routers { get; } = [];

    /// <summary>
    /// Load tracks of the routers (load-aware floating), each naming its router. From configuration they are written on
    /// the router, <c>VirtualIp:Routers:N:TrackLoad:M</c>, and the reader fills in <see cref="LoadTrackOptions.Router"/>.
    /// </summary>
    public IList<LoadTrackOptions> TrackLoad { get; } = [];

    /// <summary>Static VIPs: bound while the host runs, on every node that runs it.</summary>
    public IList<StaticVipOptions> StaticVips { get; } = [];

    /// <summary>Health checks, by name.</summary>
    public IList<HealthCheckEntryOptions> Checks { get; } = [];

    /// <summary>Dynamic VIP pools.</summary>
    public IList<VipPoolOptions> Pools { get; } = [];

    /// <summary>Where and how dynamic-VIP leases are kept (section VirtualIp:Leases).</summary>
    public LeaseStoreOptions Leases { get; } = new();

    /// <summary>How VIPs are announced.</summary>
    public AnnouncerOptions Announcements { get; set; } = new();

    /// <summary>Commands run on state changes, for people coming from keepalived's notify scripts.</summary>
    public NotifyOptions Notify { get; set; } = new();

    /// <summary>A file the audit trail is appended to as JSON lines (every move and why), or null for logs only.</summary>
    public string? AuditLogPath { get; set; }

    /// <summary>Remove addresses this library left behind (crash) before anything starts (default true).</summary>
    public bool RemoveStaleAddressesOnStart { get; set; } = true;

    /// <summary>Put back VIPs that something else deleted while we hold them (default true; Linux).</summary>
    public bool RestoreDeletedVips { get; set; } = true;

    /// <summary>
    /// While a router is master, watch ARP / Neighbor Advertisements for its VIPs from MACs that are not ours: report a
    /// <see cref="Events.VipConflictEvent"/> and defend (RFC 5227 2.4: re-announce once, at most once per 10 s). Default true.
    /// </summary>
    public bool DetectVipConflicts { get; set; } = true;

    /// <summary>Values in configuration that could not be read into this instance (reported by validation, with their keys).</summary>
    internal List<string> ReadErrors { get; } = [];

    /// <summary>What validation found wrong with this instance (empty when valid); a reload with errors is rejected.</summary>
    internal IReadOnlyList<string> ValidationErrors { get; set; } = [];
}

/// <summary>VIPs bound on an interface for as long as the host runs.</summary>
public sealed class StaticVipOptions
{
    /// <summary>The interface.</summary>
    public string Interface { get; set; } = "";

    /// <summary>The addresses.</summary>
    public IList<VipAddress> Vips { get; } = [];

    /// <summary>Announce them once bound (default true).</summary>
    public bool Announce { get; set; } = true;
}

/// <summary>A named health check in configuration.</summary>
public sealed class HealthCheckEntryOptions
{
    /// <summary>Timing and thresholds (Name, Interval, Timeout, Rise, Fall, InitialState, JitterFraction).</summary>
    public HealthCheckOptions Check { get; set; } = new();

    /// <summary>What to probe: tcp://HOST:PORT, http(s)://URL, icmp://HOST or exec:COMMAND. Null when a probe is supplied in code.</summary>
    public string? Target { get; set; }

    /// <summary>A probe supplied in code (delegates, ASP.NET IHealthCheck adapters).</summary>
    public IHealthProbe? Probe { get; set; }
}

/// <summary>Commands run on transitions: COMMAND GROUP|INSTANCE NAME STATE PRIORITY, like keepalived's notify.</summary>
public sealed class NotifyOptions
{
    /// <summary>Run on every transition.</summary>
    public string? Any { get; set; }

    /// <summary>Run on becoming master.</summary>
    public string? Master { get; set; }

    /// <summary>Run on becoming backup.</summary>
    public string? Backup { get; set; }

    /// <summary>Run on entering fault.</summary>
    public string? Fault { get; set; }

    /// <summary>Kill a notify command still running after this long (default 10 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
