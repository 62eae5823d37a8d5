using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualIp.Addressing;
using VirtualIp.Announcing;
using VirtualIp.Diagnostics;
using VirtualIp.Events;
using VirtualIp.Pools;

namespace VirtualIp.Hosting;

/// <summary>
/// Makes leased VIPs real: the node holding a lease binds its address on the pool's interface and announces it;
/// release or expiry unbinds it; leases held before a restart are bound again at start. Publishes lease events (and
/// so the audit trail), keeps pool metrics, and expires leases that ran out every SweepInterval.
/// </summary>
internal sealed partial class PoolHostedService(IOptionsMonitor<VirtualIpOptions> options, VipPoolRegistry registry, PlatformAccessor platform,
    AnnouncerOptionsSource announcements, VirtualIpEventStream events, VirtualIpMetrics metrics, TimeProvider time, ILogger<PoolHostedService> logger, IMeterFactory? meterFactory = null)
    : IHostedService, IAsyncDisposable
{
    private readonly Channel<(VipPool Pool, VipLeaseEventArgs Change)> _work = Channel.CreateUnbounded<(VipPool, VipLeaseEventArgs)>(new() { SingleReader = true });
    private readonly Dictionary<(string Interface, VipAddress Vip), IDisposable?> _bound = [];
    private readonly CancellationTokenSource _stop = new();
    private PoolMetrics? _poolMetrics;
    private ObservedBinder? _binder;
    private VipAnnouncer? _announcer;
    private ITimer? _sweep;
    private Task _worker = Task.CompletedTask;
    private int _sweeping;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var pools = registry.All;
        if (pools.Count == 0)
        {
            return;
        }

        _poolMetrics = new PoolMetrics(meterFactory, () => registry.All);
        if (pools.Any(p => p.Options.Interface is not null))
        {
            var p = platform.Get();
            _binder = new ObservedBinder(p.Binder, events, metrics, time, _ => null);
            _announcer = new VipAnnouncer(p.FrameSenders, p.Binder, new AnnouncementFrames(), announcements,
                time, NullLoggerFor<VipAnnouncer>());
            _announcer.FrameSent += (iface, _, _) => metrics.Announced(iface);
        }

        _worker = Task.Run(() => WorkAsync(_stop.Token), CancellationToken.None);
        foreach (var pool in pools)
        {
            pool.LeaseChanged += OnLeaseChanged;
            await pool.InitializeAsync(cancellationToken).ConfigureAwait(false);
            LogPoolStarted(logger, pool.Options.Name, pool.StoreName, pool.Capacity, pool.ActiveLeases, pool.Options.Interface ?? "(none)");
        }

        var every = options.CurrentValue.Leases.SweepInterval;
        _sweep = time.CreateTimer(_ => _ = SweepAsync(), null, every, every);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_sweep is not null)
        {
            await _sweep.DisposeAsync().ConfigureAwait(false);
            _sweep = null;
        }

        foreach (var pool in registry.All)
        {
            pool.LeaseChanged -= OnLeaseChanged;
        }

        _work.Writer.TryComplete();
        await _worker.WaitAsync(cancellationToken).ConfigureAwait(false);

        // The node stops serving its leased VIPs; the leases stay in the store, so a restart binds them again.
        foreach (var ((iface, vip), announcing) in _bound)
        {
            announcing?.Dispose();
            try
            {
                await _binder!.RemoveAsync(iface, vip, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogUnbindFailed(logger, vip, iface, ex);
            }
        }

        _bound.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _stop.Dispose();
        _announcer?.Dispose();
        _poolMetrics?.Dispose();
    }

    private static Microsoft.Extensions.Logging.Abstractions.NullLogger<T> NullLoggerFor<T>() => Microsoft.Extensions.Logging.Abstractions.NullLogger<T>.Instance;

    private void OnLeaseChanged(object? sender, VipLeaseEventArgs e)
    {
        var pool = (VipPool)sender!;
        events.Publish(new VipLeaseChangedEvent(time.GetUtcNow(), e.Pool, e.Lease.Holder, e.Lease.Vip, e.Change, e.Lease.ExpiresAt, e.Reason));
        if (e.Change == VipLeaseChange.Acquired)
        {
            _poolMetrics?.Acquired(e.Pool);
        }
        else if (e.Change == VipLeaseChange.Expired)
        {
            _poolMetrics?.Expired(e.Pool);
        }

        if (pool.Options.Interface is not null && e.Change != VipLeaseChange.Renewed)
        {
            _work.Writer.TryWrite((pool, e));
        }
    }

    // One worker applies bind/unbind in the order leases changed.
    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        await foreach (var (pool, e) in _work.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = (pool.Options.Interface!, e.Lease.Vip);
            try
            {
                if (e.Change == VipLeaseChange.Acquired)
                {
                    if (!_bound.ContainsKey(key))
                    {
                        await _binder!.AddAsync(key.Item1, key.Vip, cancellationToken: cancellationToken).ConfigureAwait(false);
                        _bound[key] = _announcer!.Start(key.Item1, [key.Vip]);
                    }
                }
                else if (_bound.Remove(key, out var announcing))
                {
                    announcing?.Dispose();
                    await _binder!.RemoveAsync(key.Item1, key.Vip, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogBindFailed(logger, e.Lease.Vip, key.Item1, e.Change, ex);
                events.Publish(new ActionFailedEvent(time.GetUtcNow(), $"pool:{e.Pool}", e.Change == VipLeaseChange.Acquired
                    ? Election.VirtualRouterAction.AddVip : Election.VirtualRouterAction.RemoveVip, e.Lease.Vip.ToString(), ex.Message));
            }
        }
    }

    private async Task SweepAsync()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            foreach (var pool in registry.All)
            {
                await pool.ExpireAsync(_stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSweepFailed(logger, ex);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "Pool {Pool} on the {Store} store: {Capacity} addresses, {Held} leases held by this node, interface {Interface}")]
    private static partial void LogPoolStarted(ILogger logger, string pool, string store, long capacity, int held, string @interface);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Error, Message = "Could not apply {Change} of leased VIP {Vip} on {Interface}")]
    private static partial void LogBindFailed(ILogger logger, VipAddress vip, string @interface, VipLeaseChange change, Exception exception);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Could not remove leased VIP {Vip} from {Interface} at stop")]
    private static partial void LogUnbindFailed(ILogger logger, VipAddress vip, string @interface, Exception exception);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "Expiring leases failed; will try again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
