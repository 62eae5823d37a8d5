using VirtualIp.Addressing;
using VirtualIp.Binding;
using VirtualIp.Diagnostics;
using VirtualIp.Events;

namespace VirtualIp.Hosting;

/// <summary>
/// Wraps the platform binder: every address this node adds or removes is published as an event, counted,
/// and held by the interface's <see cref="VipGuard"/> so deletions behind our back are put right.
/// </summary>
internal sealed class ObservedBinder(IVipBinder inner, VirtualIpEventStream events, VirtualIpMetrics metrics, TimeProvider time,
    Func<string, VipGuard?> guardFor) : IVipBinder
{
    public async ValueTask<bool> AddAsync(string interfaceName, VipAddress vip, VipBindOptions? options = null, CancellationToken cancellationToken = default)
    {
        bool added = await inner.AddAsync(interfaceName, vip, options, cancellationToken).ConfigureAwait(false);
        guardFor(interfaceName)?.Hold(vip);
        if (added)
        {
            metrics.VipChanged(interfaceName, true);
            events.Publish(new VipBindingChangedEvent(time.GetUtcNow(), interfaceName, vip, true, "bound"));
        }

        return added;
    }

    public async ValueTask<bool> RemoveAsync(string interfaceName, VipAddress vip, CancellationToken cancellationToken = default)
    {
        if (guardFor(interfaceName) is { } guard)
        {
            await guard.ReleaseAsync(vip, cancellationToken).ConfigureAwait(false);
        }

        bool removed = await inner.RemoveAsync(interfaceName, vip, cancellationToken).ConfigureAwait(false);
        if (removed)
        {
            metrics.VipChanged(interfaceName, false);
            events.Publish(new VipBindingChangedEvent(time.GetUtcNow(), interfaceName, vip, false, "released"));
        }

        return removed;
    }

    public ValueTask<IReadOnlyList<BoundAddress>> ListAsync(string interfaceName, CancellationToken cancellationToken = default) =>
        inner.ListAsync(interfaceName, cancellationToken);

    public ValueTask<IReadOnlyList<BoundAddress>> RemoveStaleAsync(string interfaceName, IReadOnlyCollection<VipAddress>? keep = null, CancellationToken cancellationToken = default) =>
        inner.RemoveStaleAsync(interfaceName, keep, cancellationToken);

    public ValueTask<InterfaceInfo> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default) =>
        inner.GetInterfaceAsync(interfaceName, cancellationToken);
}
