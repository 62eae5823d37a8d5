using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Addressing;
using VirtualIp.Binding;
using VirtualIp.Events;

namespace VirtualIp.Hosting;

/// <summary>
/// Address housekeeping: removes what a crashed run left behind (once, at start, before anything is bound) and runs one
/// <see cref="VipGuard"/> per interface to put back VIPs something else deletes while we hold them.
/// </summary>
internal sealed class AddressGuards(VirtualIpEventStream events, TimeProvider time, ILoggerFactory? loggerFactory = null) : IAsyncDisposable
{
    private readonly ILoggerFactory _loggers = loggerFactory ?? NullLoggerFactory.Instance;
    private readonly ConcurrentDictionary<string, VipGuard> _guards = new(StringComparer.Ordinal);

    /// <summary>The guard of <paramref name="interfaceName"/>, or null.</summary>
    public VipGuard? GuardFor(string interfaceName) => _guards.GetValueOrDefault(interfaceName);

    /// <summary>Removes addresses carrying our mark on each interface, keeping <paramref name="keep"/>'s VIPs of that interface.</summary>
    public async Task RemoveStaleAsync(IVipBinder raw, IEnumerable<string> interfaces, IReadOnlyList<StaticVipGroup> keep, CancellationToken cancellationToken)
    {
        foreach (var iface in interfaces)
        {
            var kept = keep.Where(s => s.Interface == iface).SelectMany(s => s.Vips).ToList();
            var removed = await raw.RemoveStaleAsync(iface, kept, cancellationToken).ConfigureAwait(false);
            if (removed.Count > 0)
            {
                events.Publish(new StaleAddressesRemovedEvent(time.GetUtcNow(), iface, [.. removed.Select(b => b.ToVip())]));
            }
        }
    }

    /// <summary>Starts a guard on <paramref name="interfaceName"/> unless one runs already.</summary>
    public async Task EnsureAsync(IVipBinder raw, IAddressWatcher watcher, string interfaceName, CancellationToken cancellationToken)
    {
        if (_guards.ContainsKey(interfaceName))
        {
            return;
        }

        var guard = new VipGuard(raw, watcher, interfaceName, new VipGuardOptions(), time, _loggers.CreateLogger<VipGuard>());
        guard.Deleted += (_, e) => events.Publish(new VipDeletedExternallyEvent(time.GetUtcNow(), interfaceName, e.Vip.Address, Restored: false));
        guard.Restored += (_, e) => events.Publish(new VipDeletedExternallyEvent(time.GetUtcNow(), interfaceName, e.Vip.Address, Restored: true));
        await guard.StartAsync(cancellationToken).ConfigureAwait(false);
        if (!_guards.TryAdd(interfaceName, guard))
        {
            await guard.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var key in _guards.Keys.ToList())
        {
            if (_guards.TryRemove(key, out var guard))
            {
                await guard.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
