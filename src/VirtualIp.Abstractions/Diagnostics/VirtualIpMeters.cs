namespace VirtualIp.Diagnostics;

/// <summary>
/// The names of the <see cref="System.Diagnostics.Metrics.Meter"/>s VirtualIp records on, for OpenTelemetry
/// (<c>AddMeter(VirtualIpMeters.All)</c>, or <c>AddVirtualIpInstrumentation()</c> from VirtualIp.OpenTelemetry) and
/// <c>dotnet-counters monitor --counters VirtualIp,VirtualIp.Balancing,VirtualIp.Linux</c>. Every instrument is
/// created through the host's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>; docs/metrics.md lists them.
/// </summary>
public static class VirtualIpMeters
{
    /// <summary>The engine: VRRP state, priority, transitions, adverts, takeovers, VIPs, announcements, pools, health checks.</summary>
    public const string Core = "VirtualIp";

    /// <summary>The L4 forwarder of VirtualIp.Balancing: connections, bytes, backend failures.</summary>
    public const string Balancing = "VirtualIp.Balancing";

    /// <summary>The Linux platform: raw VRRP socket counters and the netlink address watcher.</summary>
    public const string Linux = "VirtualIp.Linux";

    /// <summary>Every meter name above.</summary>
    public static IReadOnlyList<string> All { get; } = [Core, Balancing, Linux];
}
