using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Announcing;
using VirtualIp.Binding;
using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>
/// Builds routers from validated configurations and keeps what they share for as long as it lives: one transport per
/// (interface, family, unicast peers), one sync group per name, one stale-address cleanup per interface. A router built
/// later (configuration reload) joins the transport and sync group of the ones built before.
/// </summary>
internal sealed class VrrpRouterBuilder(Func<VrrpRouterConfiguration, IVrrpTransport> transportFactory, IVipBinder binder, IVipAnnouncer? announcer,
    TimeProvider timeProvider, ILoggerFactory? loggerFactory)
{
    private readonly ILogger _logger = (ILogger?)loggerFactory?.CreateLogger("VirtualIp.Vrrp.VrrpRouter") ?? NullLogger.Instance;
    private readonly Dictionary<string, VrrpTransportMux> _muxes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VrrpSyncGroup> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<CancellationToken, Task>> _cleanups = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Builds one router (not started).</summary>
    public VrrpRouter Build(VrrpRouterConfiguration o)
    {
        ArgumentNullException.ThrowIfNull(o);
        lock (_gate)
        {
            string key = $"{o.Interface}|{(o.IsIPv6 ? 6 : 4)}|{string.Join(',', o.UnicastPeers.Select(p => p.ToString()).Order(StringComparer.Ordinal))}|{o.UnicastSource}|{o.StrictUnicastTtl}";
            if (!_muxes.TryGetValue(key, out var mux) || mux.IsReleased)
            {
                mux = new VrrpTransportMux(transportFactory(o) ?? throw new InvalidOperationException($"The transport factory returned null for router '{o.Name}'."));
                _muxes[key] = mux;
            }

            VrrpSyncGroup? group = null;
            if (o.SyncGroup is { } groupName && !_groups.TryGetValue(groupName, out group))
            {
                group = new VrrpSyncGroup(groupName);
                _groups[groupName] = group;
            }

            Func<CancellationToken, Task>? cleanup = null;
            if (o.RemoveStaleAddressesOnStart && !_cleanups.TryGetValue(o.Interface, out cleanup))
            {
                // Once per interface, before the first router on it starts (a later start must not remove a sibling's VIPs).
                string iface = o.Interface;
                Task? once = null;
                var onceGate = new object();
                cleanup = _ =>
                {
                    lock (onceGate)
                    {
                        return once ??= binder.RemoveStaleAsync(iface, keep: null, CancellationToken.None).AsTask();
                    }
                };
                _cleanups[iface] = cleanup;
            }

            return new VrrpRouter(o, mux, binder, announcer, timeProvider, _logger, group, cleanup);
        }
    }
}
