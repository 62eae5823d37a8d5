using System.Net;

namespace VirtualIp.Leasing;

/// <summary>One lease as a store records it.</summary>
/// <param name="Pool">The pool's name.</param>
/// <param name="Address">The leased address.</param>
/// <param name="Holder">Who holds it (a service or client id).</param>
/// <param name="Node">The node that granted it and binds it.</param>
/// <param name="GrantedAt">When it was first granted.</param>
/// <param name="ExpiresAt">When it expires unless renewed.</param>
public sealed record LeaseRecord(string Pool, IPAddress Address, string Holder, string Node, DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt);

/// <summary>What <see cref="ILeaseStore.TryClaimAsync"/> did.</summary>
public enum LeaseClaimResult
{
    /// <summary>The lease was granted.</summary>
    Claimed,

    /// <summary>Someone else holds the address.</summary>
    AddressTaken,

    /// <summary>The holder already holds another address in the pool.</summary>
    HolderHasLease,
}

/// <summary>How a lease changed behind the pool's back.</summary>
public enum LeaseChangeKind
{
    /// <summary>Another node took the address.</summary>
    TakenElsewhere,

    /// <summary>The address became free (released or expired elsewhere).</summary>
    Freed,

    /// <summary>This node lost the lease: the store could not confirm it before it ran out (fencing).</summary>
    Lost,
}

/// <summary>A change to a pool's leases that the pool did not make.</summary>
/// <param name="Pool">The pool.</param>
/// <param name="Address">The address.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Lease">The lease concerned, when known.</param>
public sealed class LeaseStoreChangedEventArgs(string Pool, IPAddress Address, LeaseChangeKind Kind, LeaseRecord? Lease = null) : EventArgs
{
    /// <summary>The pool.</summary>
    public string Pool { get; } = Pool;

    /// <summary>The address.</summary>
    public IPAddress Address { get; } = Address;

    /// <summary>What happened.</summary>
    public LeaseChangeKind Kind { get; } = Kind;

    /// <summary>The lease concerned, when known.</summary>
    public LeaseRecord? Lease { get; } = Lease;
}
