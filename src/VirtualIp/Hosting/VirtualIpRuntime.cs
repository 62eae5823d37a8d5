using VirtualIp.Election;
using VirtualIp.Events;
using VirtualIp.Health;
using VirtualIp.Pools;

namespace VirtualIp.Hosting;

/// <summary>The running host as the application sees it (<see cref="IVirtualIpRuntime"/>): a read-only view over the parts.</summary>
internal sealed class VirtualIpRuntime(PlatformSession session, RouterSet routers, IHealthMonitor health, VipPoolRegistry pools, VirtualIpEventStream events)
    : IVirtualIpRuntime
{
    public string? PlatformName => session.Platform?.Name;

    public IReadOnlyList<IVirtualRouter> Routers => routers.Routers;

    public IHealthMonitor Health => health;

    public bool TrySetActiveAuthKey(string router, int keyId) =>
        keyId is >= 1 and <= 255 && routers.Find(router) is { } r && r.TrySetActiveAuthKey((byte)keyId);

    public VipPool GetPool(string name) => pools.Get(name);

    public Control.IVirtualRouterControl GetControl(string router) => Control.VirtualRouterControl.Find(routers.Routers, router, events.Publish);
}
