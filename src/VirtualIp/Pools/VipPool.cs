using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Leasing;

namespace VirtualIp.Pools;

/// <summary>
/// Allocates dynamic VIPs from address ranges with time-limited leases (the "dynamic" VIP kind), recorded in an
/// <see cref="ILeaseStore"/>: the embedded journal (default; leases survive a restart of this node) or etcd (shared by
/// many nodes; no address is handed out twice). A holder asking again gets its lease renewed; a holder that had an
/// address before gets it back if it is still free (sticky). Allocation is O(log n): free addresses are kept as
/// intervals in a balanced tree, searched next-fit; nothing scans the leases or the history per request.
/// Thread-safe; all time through <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class VipPool : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private FreeAddressSet _free = new();
    private readonly List<(UInt128 First, UInt128 Last)> _ranges = [];
    private readonly HashSet<UInt128> _reserved = [];
    private readonly HashSet<UInt128> _inflight = [];
    private readonly Dictionary<UInt128, LeaseRecord> _known = [];
    private readonly Dictionary<string, LeaseRecord> _mine = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _expiry = new();
    private readonly ILeaseStore _store;
    private readonly bool _ownsStore;
    private readonly TimeProvider _time;
    private readonly bool _ipv6;
    private readonly int _prefixLength;
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private volatile bool _initialized;
    private long _resyncGeneration;
    private Task? _resync;

    /// <summary>Creates a pool from its options.</summary>
    /// <param name="options">The pool's options.</param>
    /// <param name="store">Where leases live; null for a private in-memory store (nothing survives a restart).</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="node">This node's id in lease records (default: the machine name).</param>
    /// <exception cref="ArgumentException">A range is malformed, mixes families, overlaps another or is reversed; the message names it.</exception>
    public VipPool(VipPoolOptions options, ILeaseStore? store = null, TimeProvider? timeProvider = null, string? node = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = timeProvider ?? TimeProvider.System;
        Options = options;
        Node = string.IsNullOrEmpty(node) ? Environment.MachineName : node;
        if (options.Ranges.Count == 0)
        {
            throw new ArgumentException($"Pool '{options.Name}' has no ranges.", nameof(options));
        }

        if (options.LeaseDuration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.LeaseDuration, $"Pool '{options.Name}': LeaseDuration must be positive.");
        }

        bool? v6 = null;
        foreach (var text in options.Ranges)
        {
            var (first, last, isV6) = AddressRanges.Parse(text, options.Name);
            if (v6 is not null && v6 != isV6)
            {
                throw new ArgumentException($"Pool '{options.Name}': range '{text}' mixes IPv4 and IPv6.", nameof(options));
            }

            v6 = isV6;
            foreach (var (f, l) in _ranges)
            {
                if (first <= l && f <= last)
                {
                    throw new ArgumentException($"Pool '{options.Name}': range '{text}' overlaps another range.", nameof(options));
                }
            }

            _ranges.Add((first, last));
            _free.AddRange(first, last);
        }

        _ipv6 = v6!.Value;
        _prefixLength = options.PrefixLength ?? (_ipv6 ? 128 : 32);
        foreach (var r in options.Reserved)
        {
            if (!IPAddress.TryParse(r, out var a))
            {
                throw new ArgumentException($"Pool '{options.Name}': reserved address '{r}' is not an IP address.", nameof(options));
            }

            var n = AddressRanges.ToNumber(a);
            if (_free.Remove(n))
            {
                _reserved.Add(n); // only reserved addresses inside a range count: Capacity cannot underflow
            }
        }

        Capacity = (long)UInt128.Min(_free.Count, long.MaxValue);
        (_store, _ownsStore) = store is null ? (new Leasing.JournalLeaseStore(null), true) : (store, false);
        if (_store.IsShared)
        {
            // Nodes sharing a store start their next-fit search at different places, so they rarely race for one address.
            var (f0, l0) = _ranges[0];
            _free.Seek(f0 + ((UInt128)(uint)StableHash(Node) % (l0 - f0 + 1)));
        }

        _store.Changed += OnStoreChanged;
    }

    /// <summary>Raised after a lease granted by this node was acquired, renewed, released or expired (outside any lock).</summary>
    public event EventHandler<VipLeaseEventArgs>? LeaseChanged;

    /// <summary>The pool's options.</summary>
    public VipPoolOptions Options { get; }

    /// <summary>This node's id in lease records.</summary>
    public string Node { get; }

    /// <summary>The store's name ("embedded", "etcd").</summary>
    public string StoreName => _store.Name;

    /// <summary>Addresses in the pool, minus reserved ones (never negative).</summary>
    public long Capacity { get; }

    /// <summary>Addresses this node knows to be free now.</summary>
    public long Free
    {
        get
        {
            lock (_gate)
            {
                return (long)UInt128.Min(_free.Count, long.MaxValue);
            }
        }
    }

    /// <summary>Addresses leased (by any node, as far as this node knows) or being granted.</summary>
    public long InUse => Capacity - Free;

    /// <summary>Leases granted by this node and not yet released or expired.</summary>
    public int ActiveLeases
    {
        get
        {
            lock (_gate)
            {
                return _mine.Count;
            }
        }
    }

    /// <summary>The leases this node holds.</summary>
    public IReadOnlyList<VipLease> GetLeases()
    {
        lock (_gate)
        {
            return [.. _mine.Values.Select(ToLease)];
        }
    }

    /// <summary>
    /// Loads the leases recorded in the store (once; also done by the first call that needs it). Leases this node
    /// held before a restart raise <see cref="LeaseChanged"/> (Acquired, "held before restart") so they are bound again.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_initialized)
        {
            return;
        }

        await _initGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        List<LeaseRecord> recovered = [];
        try
        {
            if (_initialized)
            {
                return;
            }

            var all = await _store.ListAsync(Options.Name, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                foreach (var rec in all)
                {
                    var n = AddressRanges.ToNumber(rec.Address);
                    _free.Remove(n);
                    _known[n] = rec;
                    if (rec.Node == Node)
                    {
                        _mine[rec.Holder] = rec;
                        _expiry.Enqueue(rec.Holder, rec.ExpiresAt);
                        recovered.Add(rec);
                    }
                }

                _initialized = true;
            }
        }
        finally
        {
            _initGate.Release();
        }

        foreach (var rec in recovered)
        {
            Raise(rec, VipLeaseChange.Acquired, "held before restart");
        }
    }

    /// <summary>
    /// Leases an address to <paramref name="holder"/> (a service or client id). A holder that already has a lease
    /// gets it back renewed; a holder that had one before gets the same address if it is free.
    /// </summary>
    /// <exception cref="VipPoolExhaustedException">Every address is leased or reserved.</exception>
    /// <exception cref="LeaseStoreUnavailableException">The store could not be reached; nothing was granted.</exception>
    /// <exception cref="InvalidOperationException">The holder already holds an address granted by another node.</exception>
    public async ValueTask<VipLease> AcquireAsync(string holder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(holder);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await ExpireAsync(cancellationToken).ConfigureAwait(false);
        if (IsMine(holder))
        {
            var renewed = await RenewAsync(holder, cancellationToken).ConfigureAwait(false);
            if (renewed is not null)
            {
                return renewed;
            }
        }

        var previous = await _store.FindPreviousAsync(Options.Name, holder, cancellationToken).ConfigureAwait(false);
        UInt128? sticky = previous is null ? null : AddressRanges.ToNumber(previous);
        bool resynced = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            UInt128 candidate;
            bool found;
            long generation;
            lock (_gate)
            {
                generation = _resyncGeneration;
                if (sticky is { } s && _free.Remove(s))
                {
                    (candidate, found) = (s, true);
                }
                else
                {
                    found = _free.TryTakeNext(out candidate);
                }

                sticky = null;
                if (found)
                {
                    _inflight.Add(candidate);
                }
            }

            if (!found)
            {
                if (_store.IsShared && !resynced)
                {
                    resynced = true; // another node may have freed addresses this node has not heard of
                    await ResynchronizeOnceAsync(generation, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                throw new VipPoolExhaustedException(Options.Name, Capacity);
            }

            var now = _time.GetUtcNow();
            var rec = new LeaseRecord(Options.Name, AddressRanges.ToAddress(candidate, _ipv6), holder, Node, now, now + Options.LeaseDuration);
            LeaseClaimResult result;
            try
            {
                result = await _store.TryClaimAsync(rec, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                lock (_gate)
                {
                    _inflight.Remove(candidate);
                    _free.Add(candidate);
                }

                throw;
            }

            switch (result)
            {
                case LeaseClaimResult.Claimed:
                    lock (_gate)
                    {
                        _inflight.Remove(candidate);
                        _known[candidate] = rec;
                        _mine[holder] = rec;
                        _expiry.Enqueue(holder, rec.ExpiresAt);
                    }

                    Raise(rec, VipLeaseChange.Acquired, previous is not null && previous.Equals(rec.Address) ? "granted again (sticky)" : "granted");
                    return ToLease(rec);

                case LeaseClaimResult.AddressTaken:
                    lock (_gate)
                    {
                        _inflight.Remove(candidate); // someone else has it: it stays out of the free set
                    }

                    break;

                default:
                    lock (_gate)
                    {
                        _inflight.Remove(candidate);
                        _free.Add(candidate);
                    }

                    return await AdoptAsync(holder, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Renews the lease of <paramref name="holder"/>; returns null if it has none (it expired or was lost).</summary>
    public async ValueTask<VipLease?> RenewAsync(string holder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(holder);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var rec = FindMine(holder);
        if (rec is null)
        {
            return null;
        }

        var expires = _time.GetUtcNow() + Options.LeaseDuration;
        if (!await _store.RenewAsync(rec, expires, cancellationToken).ConfigureAwait(false))
        {
            Forget(rec, VipLeaseChange.Expired, "lost in the store");
            return null;
        }

        var renewed = rec with { ExpiresAt = expires };
        lock (_gate)
        {
            if (_mine.TryGetValue(holder, out var current) && current.GrantedAt == rec.GrantedAt && current.Address.Equals(rec.Address))
            {
                _mine[holder] = renewed;
                _known[AddressRanges.ToNumber(rec.Address)] = renewed;
                _expiry.Enqueue(holder, expires);
            }
        }

        Raise(renewed, VipLeaseChange.Renewed, "renewed");
        return ToLease(renewed);
    }

    /// <summary>The lease this node holds for <paramref name="holder"/>, or null.</summary>
    private LeaseRecord? FindMine(string holder)
    {
        lock (_gate)
        {
            return _mine.TryGetValue(holder, out var rec) ? rec : null;
        }
    }

    /// <summary>Releases the lease of <paramref name="holder"/>. Returns false if it had none.</summary>
    public async ValueTask<bool> ReleaseAsync(string holder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(holder);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var rec = FindMine(holder);
        if (rec is null)
        {
            return false;
        }

        bool deleted = await _store.ReleaseAsync(rec, cancellationToken).ConfigureAwait(false);
        Forget(rec, VipLeaseChange.Released, "released", returnToFree: deleted || !_store.IsShared);
        return true;
    }

    /// <summary>
    /// Expires this node's leases whose time (plus <see cref="VipPoolOptions.ExpiryGrace"/>) has run out: deleted
    /// from the store, returned to the pool, <see cref="LeaseChanged"/> raised. O(log n) per expired lease.
    /// </summary>
    /// <returns>The leases that expired.</returns>
    public async ValueTask<IReadOnlyList<VipLease>> ExpireAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = _time.GetUtcNow() - Options.ExpiryGrace;
        List<LeaseRecord>? due = null;
        lock (_gate)
        {
            while (_expiry.TryPeek(out var holder, out var at) && at <= cutoff)
            {
                _expiry.Dequeue();
                if (_mine.TryGetValue(holder, out var rec) && rec.ExpiresAt <= cutoff)
                {
                    (due ??= []).Add(rec);
                }
            }
        }

        if (due is null)
        {
            return [];
        }

        foreach (var rec in due)
        {
            bool deleted = await _store.ReleaseAsync(rec, cancellationToken).ConfigureAwait(false);
            Forget(rec, VipLeaseChange.Expired, "not renewed", returnToFree: deleted || !_store.IsShared);
        }

        return [.. due.Select(ToLease)];
    }

    /// <summary>The lease on <paramref name="address"/> as this node knows it, if any.</summary>
    public VipLease? Find(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        lock (_gate)
        {
            return _known.TryGetValue(AddressRanges.ToNumber(address), out var rec) ? ToLease(rec) : null;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _store.Changed -= OnStoreChanged;
        if (_ownsStore)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }

        _initGate.Dispose();
    }

    private VipLease ToLease(LeaseRecord rec) => new(rec.Holder, new VipAddress(rec.Address, _prefixLength), rec.GrantedAt, rec.ExpiresAt);

    private static int StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char c in s)
        {
            h = (h ^ c) * 16777619;
        }

        return (int)(h & 0x7FFFFFFF);
    }

    private bool IsMine(string holder)
    {
        lock (_gate)
        {
            return _mine.ContainsKey(holder);
        }
    }

    private void Raise(LeaseRecord rec, VipLeaseChange change, string reason) =>
        LeaseChanged?.Invoke(this, new VipLeaseEventArgs(Options.Name, ToLease(rec), change, reason));
}
