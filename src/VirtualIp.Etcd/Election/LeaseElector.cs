using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using VirtualIp.Announcing;
using VirtualIp.Binding;
using VirtualIp.Leasing;

namespace VirtualIp.Etcd;

/// <summary>
/// The engine of a lease-elected VIP: campaign by creating the election key on this node's etcd lease (create-if-absent);
/// the winner binds and announces the VIP, the others poll the key. The owner's lease is kept alive at TTL/3; when it
/// cannot be confirmed before TTL - FenceMargin, the owner unbinds at once (fencing by deadline), which is before etcd can
/// expire the key and so before any other node can win. A failing tracked check makes the owner resign (unbind, then
/// delete the key); a clean stop unbinds and revokes the lease, so the next node takes over without waiting for the TTL.
/// </summary>
internal sealed partial class LeaseElector : IAsyncDisposable
{
    private readonly EtcdConnection _etcd;
    private readonly EtcdSession _session;
    private readonly LeaseElectedVipOptions _vip;
    private readonly IVipBinder _binder;
    private readonly IVipAnnouncer _announcer;
    private readonly Func<bool> _mayCampaign;
    private readonly string _node;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ByteString _key;
    private readonly SemaphoreSlim _ownership = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private IDisposable? _announcing;
    private long _ownedRevision;
    private volatile bool _owner;

    public LeaseElector(EtcdOptions etcd, LeaseElectedVipOptions vip, IVipBinder binder, IVipAnnouncer announcer, Func<bool> mayCampaign, string node,
        TimeProvider time, ILogger logger)
    {
        _etcd = new EtcdConnection(etcd, time);
        _session = new EtcdSession(_etcd, time, logger);
        _vip = vip;
        _binder = binder;
        _announcer = announcer;
        _mayCampaign = mayCampaign;
        _node = node;
        _time = time;
        _logger = logger;
        _key = ByteString.CopyFromUtf8($"{etcd.Prefix}elections/{vip.Name}");
        _session.Lost += lost => { _ = DropAsync("etcd lease could not be confirmed in time (fenced)", deleteKey: false); };
    }

    /// <summary>Raised when this node becomes (true) or stops being (false) the owner, with the reason.</summary>
    public event Action<bool, string>? OwnerChanged;

    public bool IsOwner => _owner;

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);

    /// <summary>Clean stop: unbind, then revoke the lease so another node takes over at once.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await DropAsync("stopping", deleteKey: false).ConfigureAwait(false);
        await _session.RevokeAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops without unbinding or revoking (what a killed process leaves: tests model a crash with it).</summary>
    internal async Task AbandonAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _session.DisposeWithoutRevokeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await _session.DisposeAsync().ConfigureAwait(false);
        _etcd.Dispose();
        _stop.Dispose();
        _ownership.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                bool healthy = _mayCampaign();
                if (_owner && !healthy)
                {
                    await DropAsync("a tracked check is down: resigning", deleteKey: true).ConfigureAwait(false);
                }
                else if (!_owner && healthy)
                {
                    await CampaignAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is LeaseStoreUnavailableException or RpcException or VipBindingException)
            {
                LogCampaignFailed(_logger, _vip.Name, ex.Message);
            }

            try
            {
                await Task.Delay(_vip.PollInterval, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task CampaignAsync(CancellationToken cancellationToken)
    {
        var leaseId = await _session.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = _key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = _key, Value = ByteString.CopyFromUtf8(_node), Lease = leaseId } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = _key } });
        var reply = await _etcd.KV.TxnAsync(txn, _etcd.Headers, _etcd.Deadline(), cancellationToken).ResponseAsync.ConfigureAwait(false);
        if (!reply.Succeeded)
        {
            var kv = reply.Responses[0].ResponseRange.Kvs.FirstOrDefault();
            if (kv is null || kv.Lease != leaseId || kv.Value.ToStringUtf8() != _node)
            {
                return; // someone else owns it
            }

            reply.Header.Revision = kv.CreateRevision; // our own key (a reply lost earlier): we are the owner
        }

        await _ownership.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_session.LeaseId != leaseId || _session.Remaining <= _etcd.Options.FenceMargin)
            {
                return; // fenced meanwhile: do not bind under a lease that may be gone
            }

            _ownedRevision = reply.Header.Revision;
            await _binder.AddAsync(_vip.Interface, _vip.Vip!, cancellationToken: cancellationToken).ConfigureAwait(false);
            _announcing = _announcer.Start(_vip.Interface, [_vip.Vip!]);
            _owner = true;
        }
        finally
        {
            _ownership.Release();
        }

        LogOwner(_logger, _vip.Name, _vip.Vip!);
        OwnerChanged?.Invoke(true, "won the election key");
    }

    private async Task DropAsync(string reason, bool deleteKey)
    {
        await _ownership.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_owner)
            {
                return;
            }

            _owner = false;
            _announcing?.Dispose();
            _announcing = null;
            await _binder.RemoveAsync(_vip.Interface, _vip.Vip!).ConfigureAwait(false); // unbind first: never two owners
            if (deleteKey)
            {
                var txn = new TxnRequest();
                txn.Compare.Add(new Compare { Key = _key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = _ownedRevision });
                txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = _key } });
                try
                {
                    await _etcd.KV.TxnAsync(txn, _etcd.Headers, _etcd.Deadline()).ResponseAsync.ConfigureAwait(false);
                }
                catch (RpcException ex)
                {
                    LogCampaignFailed(_logger, _vip.Name, ex.Status.Detail); // the key goes with the lease TTL instead
                }
            }
        }
        finally
        {
            _ownership.Release();
        }

        LogReleased(_logger, _vip.Name, reason);
        OwnerChanged?.Invoke(false, reason);
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Lease-elected VIP {Name}: this node is the owner of {Vip}")]
    private static partial void LogOwner(ILogger logger, string name, VirtualIp.Addressing.VipAddress vip);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Lease-elected VIP {Name}: VIP released ({Reason})")]
    private static partial void LogReleased(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "Lease-elected VIP {Name}: {Detail}")]
    private static partial void LogCampaignFailed(ILogger logger, string name, string detail);
}
