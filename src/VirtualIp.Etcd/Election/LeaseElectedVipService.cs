using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualIp.Announcing;
using VirtualIp.Diagnostics;
using VirtualIp.Events;
using VirtualIp.Health;
using VirtualIp.Hosting;

namespace VirtualIp.Etcd;

/// <summary>Runs the lease-elected VIPs added with AddLeaseElectedVip: binder and announcer of the platform, tracked checks, events.</summary>
internal sealed class LeaseElectedVipService(IOptions<EtcdOptions> etcd, IOptions<VirtualIpOptions> options, IEnumerable<LeaseElectedVipOptions> vips,
    PlatformAccessor platform, VirtualIpEventStream events, VirtualIpMetrics metrics, IHealthMonitor health, TimeProvider time, ILoggerFactory loggers)
    : IHostedService, IAsyncDisposable
{
    private readonly List<LeaseElector> _electors = [];
    private VipAnnouncer? _announcer;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var list = vips.ToList();
        if (list.Count == 0)
        {
            return;
        }

        var p = platform.Get();
        var binder = new ObservedBinder(p.Binder, events, metrics, time, _ => null);
        _announcer = new VipAnnouncer(p.FrameSenders, p.Binder, new AnnouncementFrames(), new StaticOptionsMonitor<AnnouncerOptions>(options.Value.Announcements), time);
        var node = options.Value.Leases.NodeId ?? Environment.MachineName;
        foreach (var vip in list)
        {
            // A killed run leaves its VIP in the kernel: take it off before campaigning (only if it carries our ownership mark).
            var bound = await p.Binder.ListAsync(vip.Interface, cancellationToken).ConfigureAwait(false);
            if (bound.Any(b => b.IsOwned && b.Address.Equals(vip.Vip!.Address)))
            {
                await binder.RemoveAsync(vip.Interface, vip.Vip!, cancellationToken).ConfigureAwait(false);
            }

            bool MayCampaign() => vip.TrackChecks.All(c => health.TryGetState(c, out var s) && s == HealthState.Up);
            var elector = new LeaseElector(etcd.Value, vip, binder, _announcer, MayCampaign, node, time, loggers.CreateLogger("VirtualIp.Etcd.Election"));
            elector.OwnerChanged += (owner, reason) => events.Publish(new LeaseElectionChangedEvent(time.GetUtcNow(), vip.Name, vip.Vip!, owner, reason));
            _electors.Add(elector);
            elector.Start();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var e in _electors)
        {
            await e.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var e in _electors)
        {
            await e.DisposeAsync().ConfigureAwait(false);
        }

        _electors.Clear();
        _announcer?.Dispose();
    }
}
