using System.Net;

namespace VirtualIp.Leasing;

/// <summary>
/// The embedded lease store (default): leases in memory, every change appended to a checksummed journal file and made
/// durable (fsync) before the call returns, replayed at start, compacted when it grows. One process per file (a lock
/// file enforces it). With no path it keeps leases in memory only. Each operation is O(1) plus the fsync.
/// </summary>
/// <remarks>Why a journal rather than SQLite, and why it is as crash-safe: docs/architecture.md, "Lease stores".</remarks>
public sealed class JournalLeaseStore : ILeaseStore
{
    private readonly Lock _gate = new();
    private readonly LeaseJournal? _journal;
    private readonly int _historyLimit;
    private readonly Dictionary<(string Pool, IPAddress Address), LeaseRecord> _leases = [];
    private readonly Dictionary<(string Pool, string Holder), IPAddress> _holders = [];
    private readonly Dictionary<string, History> _history = new(StringComparer.Ordinal);

    /// <summary>Opens (or creates) the journal at <paramref name="path"/>, or keeps leases in memory when it is null.</summary>
    /// <param name="path">The journal file; its directory is created.</param>
    /// <param name="historyLimit">How many past holders per pool are remembered for sticky re-acquisition (oldest forgotten first).</param>
    /// <exception cref="IOException">Another process has the journal open.</exception>
    public JournalLeaseStore(string? path, int historyLimit = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(historyLimit);
        _historyLimit = historyLimit;
        Path = path;
        if (path is null)
        {
            return;
        }

        _journal = new LeaseJournal(path);
        foreach (var payload in _journal.Replay())
        {
            if (!JournalRecords.TryDecode(payload, out var op, out var put, out var key))
            {
                continue;
            }

            switch (op)
            {
                case JournalRecords.Put:
                    ApplyPut(put!);
                    break;
                case JournalRecords.Delete:
                    ApplyDelete(key.Pool, key.Address);
                    break;
                default:
                    Remember(key.Pool, key.Holder!, key.Address);
                    break;
            }
        }
    }

    /// <inheritdoc />
    public event EventHandler<LeaseStoreChangedEventArgs>? Changed
    {
        add { }
        remove { }
    }

    /// <summary>The journal file, or null for memory only.</summary>
    public string? Path { get; }

    /// <inheritdoc />
    public string Name => "embedded";

    /// <inheritdoc />
    public bool IsShared => false;

    /// <summary>Leases recorded (all pools).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _leases.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<LeaseClaimResult> TryClaimAsync(LeaseRecord lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_gate)
        {
            if (_leases.ContainsKey((lease.Pool, lease.Address)))
            {
                return ValueTask.FromResult(LeaseClaimResult.AddressTaken);
            }

            if (_holders.ContainsKey((lease.Pool, lease.Holder)))
            {
                return ValueTask.FromResult(LeaseClaimResult.HolderHasLease);
            }

            Write(JournalRecords.EncodePut(lease));
            ApplyPut(lease);
            return ValueTask.FromResult(LeaseClaimResult.Claimed);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> RenewAsync(LeaseRecord lease, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_gate)
        {
            if (!_leases.TryGetValue((lease.Pool, lease.Address), out var current) || !Same(current, lease))
            {
                return ValueTask.FromResult(false);
            }

            var renewed = current with { ExpiresAt = expiresAt };
            Write(JournalRecords.EncodePut(renewed));
            ApplyPut(renewed);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ReleaseAsync(LeaseRecord lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_gate)
        {
            if (!_leases.TryGetValue((lease.Pool, lease.Address), out var current) || !Same(current, lease))
            {
                return ValueTask.FromResult(false);
            }

            Write(JournalRecords.EncodeDelete(lease.Pool, lease.Address));
            ApplyDelete(lease.Pool, lease.Address);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<LeaseRecord?> FindByHolderAsync(string pool, string holder, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_holders.TryGetValue((pool, holder), out var a) ? _leases[(pool, a)] : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<IPAddress?> FindPreviousAsync(string pool, string holder, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_history.TryGetValue(pool, out var h) && h.Map.TryGetValue(holder, out var node) ? node.Value.Address : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<LeaseRecord>> ListAsync(string pool, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<LeaseRecord>>([.. _leases.Values.Where(l => l.Pool == pool)]);
        }
    }

    /// <summary>How many past holders a pool remembers (bounded by the history limit).</summary>
    public int HistoryCount(string pool)
    {
        lock (_gate)
        {
            return _history.TryGetValue(pool, out var h) ? h.Map.Count : 0;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _journal?.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private static bool Same(LeaseRecord a, LeaseRecord b) => a.Holder == b.Holder && a.GrantedAt == b.GrantedAt && a.Node == b.Node;

    private void Write(byte[] payload)
    {
        if (_journal is null)
        {
            return;
        }

        _journal.Append(payload);
        int history = 0;
        foreach (var h in _history.Values)
        {
            history += h.Map.Count;
        }

        if (_journal.Records > (4L * (_leases.Count + history)) + 1024)
        {
            Compact(history);
        }
    }

    // Snapshot = history oldest first, then live leases: replaying it rebuilds the same state, LRU order included.
    private void Compact(int history)
    {
        var payloads = new List<byte[]>(_leases.Count + history);
        foreach (var (pool, h) in _history)
        {
            foreach (var (holder, address) in h.Order)
            {
                payloads.Add(JournalRecords.EncodeHistory(pool, holder, address));
            }
        }

        foreach (var l in _leases.Values)
        {
            payloads.Add(JournalRecords.EncodePut(l));
        }

        _journal!.Rewrite(payloads);
    }

    private void ApplyPut(LeaseRecord l)
    {
        _leases[(l.Pool, l.Address)] = l;
        _holders[(l.Pool, l.Holder)] = l.Address;
        Remember(l.Pool, l.Holder, l.Address);
    }

    private void ApplyDelete(string pool, IPAddress address)
    {
        if (_leases.Remove((pool, address), out var l))
        {
            _holders.Remove((pool, l.Holder));
        }
    }

    private void Remember(string pool, string holder, IPAddress address)
    {
        if (!_history.TryGetValue(pool, out var h))
        {
            _history[pool] = h = new History();
        }

        if (h.Map.Remove(holder, out var old))
        {
            h.Order.Remove(old);
        }

        h.Map[holder] = h.Order.AddLast((holder, address));
        while (h.Map.Count > _historyLimit)
        {
            var oldest = h.Order.First!;
            h.Order.RemoveFirst();
            h.Map.Remove(oldest.Value.Holder);
        }
    }

    private sealed class History
    {
        public Dictionary<string, LinkedListNode<(string Holder, IPAddress Address)>> Map { get; } = new(StringComparer.Ordinal);

        public LinkedList<(string Holder, IPAddress Address)> Order { get; } = new();
    }
}
