namespace VirtualIp.Pools;

/// <summary>Options of a dynamic VIP pool (configuration section VirtualIp:Pools:N).</summary>
public sealed class VipPoolOptions
{
    /// <summary>The pool's name.</summary>
    public string Name { get; set; } = "default";

    /// <summary>Address ranges: CIDR ("192.0.2.0/28"; IPv4 network and broadcast are skipped) or FIRST-LAST. Must not overlap.</summary>
    public IList<string> Ranges { get; } = [];

    /// <summary>Addresses never handed out (gateways, statically used addresses).</summary>
    public IList<string> Reserved { get; } = [];

    /// <summary>The prefix length leased VIPs are bound with (default /32 or /128).</summary>
    public int? PrefixLength { get; set; }

    /// <summary>How long a lease lasts without renewal (default 1 hour).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long an expired lease is kept before its address is reused (default 0).</summary>
    public TimeSpan ExpiryGrace { get; set; } = TimeSpan.Zero;

    /// <summary>Where leases live: "embedded" (default, a journal file on this node) or "etcd" (shared; needs VirtualIp.Etcd).</summary>
    public string Store { get; set; } = "embedded";

    /// <summary>The interface leased VIPs are bound on and announced from by the node holding them (none: leases only).</summary>
    public string? Interface { get; set; }
}
