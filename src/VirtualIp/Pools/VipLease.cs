using VirtualIp.Addressing;

namespace VirtualIp.Pools;

/// <summary>A lease on a dynamic VIP.</summary>
/// <param name="Holder">Who holds it.</param>
/// <param name="Vip">The address.</param>
/// <param name="GrantedAt">When it was first granted.</param>
/// <param name="ExpiresAt">When it expires unless renewed.</param>
public sealed record VipLease(string Holder, VipAddress Vip, DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt);

/// <summary>What happened to a lease.</summary>
public enum VipLeaseChange
{
    /// <summary>Granted to its holder (also: found again at start, still held by this node).</summary>
    Acquired,

    /// <summary>Renewed by its holder.</summary>
    Renewed,

    /// <summary>Released by its holder.</summary>
    Released,

    /// <summary>Ran out without renewal, or was lost because the store could not confirm it in time.</summary>
    Expired,
}

/// <summary>A lease granted by this node changed.</summary>
/// <param name="Pool">The pool.</param>
/// <param name="Lease">The lease.</param>
/// <param name="Change">What happened.</param>
/// <param name="Reason">Why, in words ("renewed", "not renewed", "store unreachable", "held before restart").</param>
public sealed class VipLeaseEventArgs(string Pool, VipLease Lease, VipLeaseChange Change, string Reason) : EventArgs
{
    /// <summary>The pool.</summary>
    public string Pool { get; } = Pool;

    /// <summary>The lease.</summary>
    public VipLease Lease { get; } = Lease;

    /// <summary>What happened.</summary>
    public VipLeaseChange Change { get; } = Change;

    /// <summary>Why.</summary>
    public string Reason { get; } = Reason;
}
