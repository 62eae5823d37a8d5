using VirtualIp.Control;
using VirtualIp.Election;
using VirtualIp.Health;
using VirtualIp.Pools;

namespace VirtualIp.Hosting;

/// <summary>The running VirtualIp host: its routers, health monitor and pools (resolve from DI after start).</summary>
public interface IVirtualIpRuntime
{
    /// <summary>The platform in use ("linux", "windows", "simulated"), or null before start.</summary>
    string? PlatformName { get; }

    /// <summary>The virtual routers (floating VIPs); empty before start.</summary>
    IReadOnlyList<IVirtualRouter> Routers { get; }

    /// <summary>The health monitor.</summary>
    IHealthMonitor Health { get; }

    /// <summary>
    /// Hitless key rotation for authenticated adverts (<c>AuthHmac</c>): router <paramref name="router"/> signs with key
    /// <paramref name="keyId"/> from its next advert on (keepalived: move <c>active_key</c> and reload). The key must be one
    /// of the router's configured keys. False when there is no such router, it has no AuthHmac, or the key is not configured.
    /// </summary>
    bool TrySetActiveAuthKey(string router, int keyId);

    /// <summary>The dynamic VIP pool with that name.</summary>
    /// <exception cref="KeyNotFoundException">No pool has that name.</exception>
    VipPool GetPool(string name);

    /// <summary>
    /// Runtime control of router <paramref name="router"/>: resign, maintenance, priority override, forced takeover and
    /// a status snapshot; every action is audited (see <see cref="IVirtualRouterControl"/>).
    /// </summary>
    /// <exception cref="KeyNotFoundException">No running router has that name (also before start).</exception>
    IVirtualRouterControl GetControl(string router);
}
