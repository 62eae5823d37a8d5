namespace VirtualIp.Leasing;

/// <summary>
/// Where dynamic-VIP leases live: one record per leased address, at most one lease per holder and pool.
/// Every operation is atomic on its own (create-if-absent, compare-and-renew, compare-and-delete), so several
/// pools on several nodes sharing one store never hand out an address twice. The embedded store (a journal file)
/// serves one node; the etcd store (package VirtualIp.Etcd) serves many.
/// </summary>
/// <remarks>
/// A store does not choose addresses: the pool's allocator proposes one (in O(log n)) and the store grants it or says
/// why not. A store does not expire leases on its own clock either: the node that granted a lease expires it; a shared
/// store additionally drops every lease of a node that stops renewing its session (etcd lease TTL).
/// </remarks>
public interface ILeaseStore : IAsyncDisposable
{
    /// <summary>A short name for logs and metrics ("embedded", "etcd").</summary>
    string Name { get; }

    /// <summary>True when other nodes can change the store (a shared store); false for a node-local store.</summary>
    bool IsShared { get; }

    /// <summary>
    /// Raised when a lease changed in a way the pool did not cause: another node took or freed an address (a watch),
    /// or this node lost its leases because the store could not be reached before they expired (fencing).
    /// </summary>
    event EventHandler<LeaseStoreChangedEventArgs>? Changed;

    /// <summary>Grants <paramref name="lease"/> if its address is free and its holder holds nothing else in the pool.</summary>
    /// <exception cref="LeaseStoreUnavailableException">The store could not be reached; nothing was granted.</exception>
    ValueTask<LeaseClaimResult> TryClaimAsync(LeaseRecord lease, CancellationToken cancellationToken = default);

    /// <summary>Moves the expiry of a lease this node holds to <paramref name="expiresAt"/>. False if it is no longer held.</summary>
    ValueTask<bool> RenewAsync(LeaseRecord lease, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>Deletes a lease if it is still the one given (same address, holder and grant). False if it was gone.</summary>
    ValueTask<bool> ReleaseAsync(LeaseRecord lease, CancellationToken cancellationToken = default);

    /// <summary>The lease a holder has in a pool, if any.</summary>
    ValueTask<LeaseRecord?> FindByHolderAsync(string pool, string holder, CancellationToken cancellationToken = default);

    /// <summary>The address a holder last had in a pool (bounded history, for sticky re-acquisition), if remembered.</summary>
    ValueTask<System.Net.IPAddress?> FindPreviousAsync(string pool, string holder, CancellationToken cancellationToken = default);

    /// <summary>Every lease currently recorded in a pool (used at start and to resynchronise; not on the allocation path).</summary>
    ValueTask<IReadOnlyList<LeaseRecord>> ListAsync(string pool, CancellationToken cancellationToken = default);
}
