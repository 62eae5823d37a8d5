using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Election;
using VirtualIp.Health;

namespace VirtualIp.Events;

/// <summary>Something that happened, for logs, metrics, notify commands and the audit trail.</summary>
/// <param name="Timestamp">When (from the host's <see cref="TimeProvider"/>).</param>
public abstract record VirtualIpEvent(DateTimeOffset Timestamp)
{
    /// <summary>A short kind name, e.g. "state-changed".</summary>
    public abstract string Kind { get; }
}

/// <summary>A virtual router changed state.</summary>
public sealed record RouterStateChangedEvent(DateTimeOffset Timestamp, string Router, byte VirtualRouterId, VrrpState OldState, VrrpState NewState,
    VrrpTransitionReason Reason, int Priority, IPAddress? MasterAddress, string? Detail) : VirtualIpEvent(Timestamp)
{
    /// <inheritdoc />
    public override string Kind => "state-changed";
}

/// <summary>A VIP was added to or removed from an interface by this node.</summary>
public sealed record VipBindingChangedEvent(DateTimeOffset Timestamp, string Interface, VipAddress Vip, bool Bound, string Reason) : VirtualIpEvent(Timestamp)
{
    /// <inheritdoc />
    public override string Kind => Bound ? "vip-added" : "vip-removed";
}

/// <summary>Something else deleted a VIP we hold (NetworkManager, systemd-networkd, an operator).</summary>
public sealed record VipDeletedExternallyEvent(DateTimeOffset Timestamp, string Interface, IPAddress Address, bool Restored) : VirtualIpEvent(Timestamp)
{
    /// <inheritdoc />
    public override string Kind => "vip-deleted-externally";
}

/// <summary>A health check changed state.</summary>
public sealed record HealthChangedEvent(DateTimeOffset Timestamp, string Check, HealthState OldState, HealthState NewState, string? Reason) : VirtualIpEvent(Timestamp)
{
    /// <inheritdoc />
    public override string Kind => "health-changed";
}

/// <summary>A router's effective priority moved because of tracking.</summary>
public sealed record PriorityChangedEvent(DateTimeOffset Timestamp, string Router, int Priority, bool Fault, string Reason) : VirtualIpEvent(Timestamp)
{
    /// <inheritdoc />
    public override string Kind => "priority-changed";
}

/// <summary>An OS action on behalf of a router failed (binding, announcing).</summary>
public sealed record ActionFailedEvent(DateTimeOffset Timestamp, string Router, VirtualRouterAction Action, string? Target, string Error) : VirtualIpEvent(Timestamp)
{
    /// <inheritdoc />
    public override string Kind => "action-failed";
}

/// <summary>Stale addresses a previous run left behind were removed at start.</summary>
public sealed record StaleAddressesRemovedEvent(DateTimeOffset Timestamp, string Interface, IReadOnlyList<VipAddress> Removed) : VirtualIpEvent(Timestamp)
{
    /// <inheritdoc />
    public override string Kind => "stale-removed";
}

/// <summary>
/// An advert for one of our VRIDs came from a source that is neither this node nor a configured/known peer with a
/// higher priority (a spoof, a misconfigured router, a split brain).
/// </summary>
public sealed record RouterConflictEvent(DateTimeOffset Timestamp, string Router, byte VirtualRouterId, IPAddress Source, int AdvertisedPriority,
    RouterConflictKind Conflict, VrrpState State) : VirtualIpEvent(Timestamp)
{
    /// <inheritdoc />
    public override string Kind => "router-conflict";
}

/// <summary>
/// While this node was master, another machine (<paramref name="ForeignMac"/>) claimed one of our VIPs with a gratuitous
/// ARP / ARP reply or a Neighbor Advertisement. <paramref name="Defended"/>: whether this node re-announced the VIP
/// (RFC 5227 section 2.4 (b): at most once per 10 s).
/// </summary>
public sealed record VipConflictEvent(DateTimeOffset Timestamp, string Interface, IPAddress Address, VirtualIp.Addressing.MacAddress ForeignMac,
    string? Router, bool Defended) : VirtualIpEvent(Timestamp)
{
    /// <inheritdoc />
    public override string Kind => "vip-conflict";
}
