using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace VirtualIp.Etcd;

/// <summary>
/// This node's etcd lease: granted on first use, kept alive every TTL/3, revoked on dispose. Fencing by deadline: the
/// node counts its lease as valid until <c>send time of the last confirmed keep-alive + TTL</c>; if no keep-alive is
/// confirmed by <c>that - FenceMargin</c>, <see cref="Lost"/> is raised and the node must give up everything it holds
/// under the lease. etcd cannot expire the lease earlier than that instant (it restarts the TTL when it receives the
/// keep-alive, which is after it was sent), so the node always lets go before anyone else can take over.
/// </summary>
internal sealed partial class EtcdSession : IAsyncDisposable
{
    private readonly EtcdConnection _etcd;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private long _leaseId;
    private long _validUntil; // TimeProvider timestamp (monotonic): a wall-clock jump must not move the fence
    private Task _keepAlive = Task.CompletedTask;

    public EtcdSession(EtcdConnection etcd, TimeProvider time, ILogger logger)
    {
        _etcd = etcd;
        _time = time;
        _logger = logger;
    }

    /// <summary>Raised (with the lease id) when the lease could not be confirmed in time or etcd says it is gone.</summary>
    public event Action<long>? Lost;

    /// <summary>The current lease id, or 0.</summary>
    public long LeaseId => Volatile.Read(ref _leaseId);

    /// <summary>How long this node may still act as the lease's holder (zero or negative: not at all).</summary>
    public TimeSpan Remaining => TimeSpan.FromSeconds((double)(Volatile.Read(ref _validUntil) - _time.GetTimestamp()) / _time.TimestampFrequency);

    /// <summary>The lease id, granting a new lease (and starting its keep-alive) if there is none.</summary>
    public async Task<long> EnsureAsync(CancellationToken cancellationToken)
    {
        if (LeaseId != 0)
        {
            return LeaseId;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (LeaseId != 0)
            {
                return LeaseId;
            }

            var ttl = (long)_etcd.Options.LeaseTtl.TotalSeconds;
            var sent = _time.GetTimestamp();
            var reply = await _etcd.RunAsync("a lease grant", ct => _etcd.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = ttl }, _etcd.Headers, _etcd.Deadline(), ct).ResponseAsync,
                cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _validUntil, sent + (Math.Min(reply.TTL, ttl) * _time.TimestampFrequency));
            Volatile.Write(ref _leaseId, reply.ID);
            LogGranted(_logger, reply.ID, reply.TTL);
            var id = reply.ID;
            _keepAlive = Task.Run(() => KeepAliveAsync(id, _stop.Token), CancellationToken.None);
            return id;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Revokes the lease at once (clean stop: everything under it goes away now, not after the TTL).</summary>
    public async Task RevokeAsync(CancellationToken cancellationToken)
    {
        var id = Interlocked.Exchange(ref _leaseId, 0);
        if (id == 0)
        {
            return;
        }

        try
        {
            await _etcd.Lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = id }, _etcd.Headers, _etcd.Deadline(), cancellationToken).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            LogRevokeFailed(_logger, id, ex.Status.Detail); // it runs out after its TTL instead
        }
    }

    /// <summary>Stops keeping the lease alive without revoking it (a crash, for tests).</summary>
    internal async Task DisposeWithoutRevokeAsync()
    {
        Volatile.Write(ref _leaseId, 0);
        await _stop.CancelAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _keepAlive.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await RevokeAsync(CancellationToken.None).ConfigureAwait(false);
        _stop.Dispose();
        _gate.Dispose();
    }

    private async Task KeepAliveAsync(long id, CancellationToken cancellationToken)
    {
        var ttl = _etcd.Options.LeaseTtl;
        var margin = _etcd.Options.FenceMargin;
        var wait = ttl / 3;
        while (!cancellationToken.IsCancellationRequested && LeaseId == id)
        {
            var delay = TimeSpan.FromTicks(Math.Min(wait.Ticks, Math.Max(0, (Remaining - margin).Ticks)));
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            if (LeaseId != id)
            {
                return;
            }

            var sent = _time.GetTimestamp();
            var left = Remaining - margin;
            if (left <= TimeSpan.Zero)
            {
                Fence(id, "no keep-alive confirmed before the fence deadline");
                return;
            }

            try
            {
                long granted = await SendKeepAliveAsync(id, left, cancellationToken).ConfigureAwait(false);
                if (granted <= 0)
                {
                    Fence(id, "etcd says the lease is gone");
                    return;
                }

                Volatile.Write(ref _validUntil, sent + (granted * _time.TimestampFrequency));
                wait = ttl / 3;
            }
            catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogKeepAliveFailed(_logger, id, ex.StatusCode, (Remaining - margin).TotalMilliseconds);
                wait = TimeSpan.FromMilliseconds(100); // retry soon; the loop fences when the deadline comes
            }
        }
    }

    private async Task<long> SendKeepAliveAsync(long id, TimeSpan cap, CancellationToken cancellationToken)
    {
        using var call = _etcd.Lease.LeaseKeepAlive(_etcd.Headers, _etcd.Deadline(cap), cancellationToken);
        await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = id }, cancellationToken).ConfigureAwait(false);
        if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "keep-alive stream closed without a reply"));
        }

        long ttl = call.ResponseStream.Current.TTL;
        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        return ttl;
    }

    private void Fence(long id, string why)
    {
        if (Interlocked.CompareExchange(ref _leaseId, 0, id) != id)
        {
            return;
        }

        LogFenced(_logger, id, why);
        Lost?.Invoke(id);
    }

    [LoggerMessage(EventId = 2000, Level = LogLevel.Debug, Message = "etcd lease {LeaseId:x} granted, TTL {Ttl}s")]
    private static partial void LogGranted(ILogger logger, long leaseId, long ttl);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "etcd lease {LeaseId:x}: keep-alive failed ({Status}); {LeftMs:0} ms until this node gives up what it holds")]
    private static partial void LogKeepAliveFailed(ILogger logger, long leaseId, StatusCode status, double leftMs);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "etcd lease {LeaseId:x} lost ({Why}): giving up everything held under it")]
    private static partial void LogFenced(ILogger logger, long leaseId, string why);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "etcd lease {LeaseId:x} could not be revoked ({Detail}); it runs out after its TTL")]
    private static partial void LogRevokeFailed(ILogger logger, long leaseId, string detail);
}
