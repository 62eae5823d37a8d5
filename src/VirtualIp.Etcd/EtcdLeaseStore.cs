using System.Collections.Concurrent;
using System.Net;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Leasing;

namespace VirtualIp.Etcd;

/// <summary>
/// The shared lease store on etcd: one key per address, granted by a transaction that creates the address key and the
/// holder key only if neither exists, both on this node's etcd lease (kept alive at TTL/3). A node that dies loses its keys
/// after the TTL; a node that cannot reach etcd gives its leases up before that (fencing by deadline, see
/// <see cref="EtcdSession"/>). Calls are retried while etcd is unavailable (a restart), and a grant whose reply was lost
/// is recognised as this node's own on the retry, so a restart neither loses nor doubles a lease.
/// </summary>
public sealed class EtcdLeaseStore : ILeaseStore
{
    private readonly EtcdConnection _etcd;
    private readonly EtcdSession _session;
    private readonly string _prefix;
    private readonly string _node;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Pool, IPAddress Address), (LeaseRecord Record, long CreateRevision)> _held = new();
    private readonly SemaphoreSlim _historyGate = new(1, 1);
    private long _historyLease;
    private DateTimeOffset _historyLeaseRenewAt;

    /// <summary>Creates the store (it connects on first use).</summary>
    /// <param name="options">Endpoints, prefix, TTL, credentials; validated here.</param>
    /// <param name="node">This node's id (must match the pools' node id; default the machine name).</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="logger">Logs keep-alive trouble and fencing.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message names each bad key.</exception>
    public EtcdLeaseStore(EtcdOptions options, string? node = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate("VirtualIp:Etcd");
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _time = timeProvider ?? TimeProvider.System;
        _prefix = options.Prefix;
        _node = string.IsNullOrEmpty(node) ? Environment.MachineName : node;
        _etcd = new EtcdConnection(options, _time);
        _session = new EtcdSession(_etcd, _time, logger ?? NullLogger.Instance);
        _session.Lost += OnSessionLost;
    }

    /// <inheritdoc />
    public event EventHandler<LeaseStoreChangedEventArgs>? Changed;

    /// <inheritdoc />
    public string Name => "etcd";

    /// <inheritdoc />
    public bool IsShared => true;

    /// <summary>How long this node's etcd lease is still known valid (the fence falls FenceMargin before it runs out).</summary>
    public TimeSpan Remaining => _session.Remaining;

    /// <inheritdoc />
    public async ValueTask<LeaseClaimResult> TryClaimAsync(LeaseRecord lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var leaseId = await _session.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var history = await HistoryLeaseAsync(cancellationToken).ConfigureAwait(false);
        var addrKey = EtcdKeys.Address(_prefix, lease.Pool, lease.Address);
        var holderKey = EtcdKeys.Holder(_prefix, lease.Pool, lease.Holder);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = addrKey, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Compare.Add(new Compare { Key = holderKey, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = addrKey, Value = EtcdKeys.Encode(lease), Lease = leaseId } });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = holderKey, Value = ByteString.CopyFromUtf8(lease.Address.ToString()), Lease = leaseId } });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = EtcdKeys.History(_prefix, lease.Pool, lease.Holder), Value = ByteString.CopyFromUtf8(lease.Address.ToString()), Lease = history } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = holderKey, CountOnly = true } });
        var reply = await _etcd.RunAsync("a lease grant", ct => _etcd.KV.TxnAsync(txn, _etcd.Headers, _etcd.Deadline(), ct).ResponseAsync, cancellationToken).ConfigureAwait(false);
        if (reply.Succeeded)
        {
            _held[(lease.Pool, lease.Address)] = (lease, reply.Header.Revision);
            if (_session.LeaseId != leaseId)
            {
                // The session was fenced while the grant was in flight: give it straight back.
                await ReleaseAsync(lease, cancellationToken).ConfigureAwait(false);
                throw new LeaseStoreUnavailableException($"The etcd lease this node holds its addresses under was lost while {lease.Address} was being granted.");
            }

            return LeaseClaimResult.Claimed;
        }

        return reply.Responses[0].ResponseRange.Count > 0 ? LeaseClaimResult.HolderHasLease : LeaseClaimResult.AddressTaken;
    }

    /// <inheritdoc />
    public async ValueTask<bool> RenewAsync(LeaseRecord lease, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (!_held.TryGetValue((lease.Pool, lease.Address), out var held) || held.Record.Holder != lease.Holder || _session.LeaseId == 0)
        {
            return false;
        }

        var renewed = held.Record with { ExpiresAt = expiresAt };
        var addrKey = EtcdKeys.Address(_prefix, lease.Pool, lease.Address);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = addrKey, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = held.CreateRevision });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = addrKey, Value = EtcdKeys.Encode(renewed), Lease = _session.LeaseId } });
        var reply = await _etcd.RunAsync("a lease renewal", ct => _etcd.KV.TxnAsync(txn, _etcd.Headers, _etcd.Deadline(), ct).ResponseAsync, cancellationToken).ConfigureAwait(false);
        if (!reply.Succeeded)
        {
            _held.TryRemove((lease.Pool, lease.Address), out _);
            return false;
        }

        _held[(lease.Pool, lease.Address)] = (renewed, held.CreateRevision);
        return true;
    }

    /// <inheritdoc />
    public async ValueTask<bool> ReleaseAsync(LeaseRecord lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (!_held.TryRemove((lease.Pool, lease.Address), out var held))
        {
            return false;
        }

        var addrKey = EtcdKeys.Address(_prefix, lease.Pool, lease.Address);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = addrKey, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = held.CreateRevision });
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = addrKey } });
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = EtcdKeys.Holder(_prefix, lease.Pool, held.Record.Holder) } });
        var reply = await _etcd.RunAsync("a lease release", ct => _etcd.KV.TxnAsync(txn, _etcd.Headers, _etcd.Deadline(), ct).ResponseAsync, cancellationToken).ConfigureAwait(false);
        return reply.Succeeded;
    }

    /// <inheritdoc />
    public async ValueTask<LeaseRecord?> FindByHolderAsync(string pool, string holder, CancellationToken cancellationToken = default)
    {
        var h = await _etcd.RunAsync("a holder lookup", ct => _etcd.KV.RangeAsync(new RangeRequest { Key = EtcdKeys.Holder(_prefix, pool, holder) }, _etcd.Headers, _etcd.Deadline(), ct).ResponseAsync,
            cancellationToken).ConfigureAwait(false);
        if (h.Kvs.Count == 0 || !IPAddress.TryParse(h.Kvs[0].Value.ToStringUtf8(), out var address))
        {
            return null;
        }

        var a = await _etcd.RunAsync("a lease lookup", ct => _etcd.KV.RangeAsync(new RangeRequest { Key = EtcdKeys.Address(_prefix, pool, address) }, _etcd.Headers, _etcd.Deadline(), ct).ResponseAsync,
            cancellationToken).ConfigureAwait(false);
        if (a.Kvs.Count == 0 || !EtcdKeys.TryDecode(pool, a.Kvs[0].Key, a.Kvs[0].Value, EtcdKeys.AddressPrefix(_prefix, pool), out var rec) || rec.Holder != holder)
        {
            return null;
        }

        if (rec.Node == _node && a.Kvs[0].Lease == _session.LeaseId && _session.LeaseId != 0)
        {
            _held[(pool, address)] = (rec, a.Kvs[0].CreateRevision); // our own grant whose reply was lost: adopt it
        }

        return rec;
    }

    /// <inheritdoc />
    public async ValueTask<IPAddress?> FindPreviousAsync(string pool, string holder, CancellationToken cancellationToken = default)
    {
        var r = await _etcd.RunAsync("a history lookup", ct => _etcd.KV.RangeAsync(new RangeRequest { Key = EtcdKeys.History(_prefix, pool, holder) }, _etcd.Headers, _etcd.Deadline(), ct).ResponseAsync,
            cancellationToken).ConfigureAwait(false);
        return r.Kvs.Count > 0 && IPAddress.TryParse(r.Kvs[0].Value.ToStringUtf8(), out var a) ? a : null;
    }

    /// <summary>
    /// Every lease in the pool. This node's own records left by a previous run of it (same node id, an older etcd lease
    /// that has not run out yet) are moved onto the current etcd lease, so a restarted node keeps and re-binds them.
    /// </summary>
    public async ValueTask<IReadOnlyList<LeaseRecord>> ListAsync(string pool, CancellationToken cancellationToken = default)
    {
        var prefix = EtcdKeys.AddressPrefix(_prefix, pool);
        var r = await _etcd.RunAsync("a pool listing", ct => _etcd.KV.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(prefix), RangeEnd = EtcdKeys.RangeEnd(prefix) },
            _etcd.Headers, _etcd.Deadline(), ct).ResponseAsync, cancellationToken).ConfigureAwait(false);
        var list = new List<LeaseRecord>(r.Kvs.Count);
        foreach (var kv in r.Kvs)
        {
            if (!EtcdKeys.TryDecode(pool, kv.Key, kv.Value, prefix, out var rec))
            {
                continue;
            }

            if (rec.Node == _node && !_held.ContainsKey((pool, rec.Address)))
            {
                if (!await AdoptAsync(rec, kv.CreateRevision, cancellationToken).ConfigureAwait(false))
                {
                    continue; // it went away meanwhile
                }
            }

            list.Add(rec);
        }

        return list;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _session.Lost -= OnSessionLost;
        await _session.DisposeAsync().ConfigureAwait(false); // revokes: this node's keys go at once
        _etcd.Dispose();
        _historyGate.Dispose();
    }

    private async Task<bool> AdoptAsync(LeaseRecord rec, long createRevision, CancellationToken cancellationToken)
    {
        var leaseId = await _session.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var addrKey = EtcdKeys.Address(_prefix, rec.Pool, rec.Address);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = addrKey, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = createRevision });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = addrKey, Value = EtcdKeys.Encode(rec), Lease = leaseId } });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = EtcdKeys.Holder(_prefix, rec.Pool, rec.Holder), Value = ByteString.CopyFromUtf8(rec.Address.ToString()), Lease = leaseId } });
        var reply = await _etcd.RunAsync("a lease adoption", ct => _etcd.KV.TxnAsync(txn, _etcd.Headers, _etcd.Deadline(), ct).ResponseAsync, cancellationToken).ConfigureAwait(false);
        if (reply.Succeeded)
        {
            _held[(rec.Pool, rec.Address)] = (rec, createRevision);
        }

        return reply.Succeeded;
    }

    // History entries live on a lease of HistoryRetention, replaced by a fresh one at half-life: an entry lasts at most one retention.
    private async Task<long> HistoryLeaseAsync(CancellationToken cancellationToken)
    {
        if (_historyLease != 0 && _time.GetUtcNow() < _historyLeaseRenewAt)
        {
            return _historyLease;
        }

        await _historyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_historyLease == 0 || _time.GetUtcNow() >= _historyLeaseRenewAt)
            {
                var ttl = (long)_etcd.Options.HistoryRetention.TotalSeconds;
                var reply = await _etcd.RunAsync("a history lease grant", ct => _etcd.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = ttl }, _etcd.Headers, _etcd.Deadline(), ct).ResponseAsync,
                    cancellationToken).ConfigureAwait(false);
                _historyLease = reply.ID;
                _historyLeaseRenewAt = _time.GetUtcNow() + (_etcd.Options.HistoryRetention / 2);
            }

            return _historyLease;
        }
        finally
        {
            _historyGate.Release();
        }
    }

    private void OnSessionLost(long leaseId)
    {
        foreach (var (key, held) in _held.ToArray())
        {
            if (_held.TryRemove(key, out _))
            {
                Changed?.Invoke(this, new LeaseStoreChangedEventArgs(key.Pool, key.Address, LeaseChangeKind.Lost, held.Record));
            }
        }
    }
}
