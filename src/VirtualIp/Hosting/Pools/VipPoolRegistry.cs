using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VirtualIp.Leasing;
using VirtualIp.Pools;

namespace VirtualIp.Hosting;

/// <summary>
/// The configured pools, each on its store (keyed <see cref="ILeaseStore"/> services: "embedded" is registered by
/// AddVirtualIp, "etcd" by VirtualIp.Etcd's UseEtcd). Built on first use.
/// </summary>
internal sealed class VipPoolRegistry(IOptionsMonitor<VirtualIpOptions> options, IServiceProvider services, TimeProvider time) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private Dictionary<string, VipPool>? _pools;

    public IReadOnlyCollection<VipPool> All => Build().Values;

    public VipPool Get(string name) =>
        Build().TryGetValue(name, out var pool) ? pool : throw new KeyNotFoundException($"No VIP pool is named '{name}'.");

    public async ValueTask DisposeAsync()
    {
        Dictionary<string, VipPool>? pools;
        lock (_gate)
        {
            (pools, _pools) = (_pools, null);
        }

        foreach (var p in pools?.Values.ToList() ?? [])
        {
            await p.DisposeAsync().ConfigureAwait(false);
        }
    }

    private Dictionary<string, VipPool> Build()
    {
        lock (_gate)
        {
            if (_pools is not null)
            {
                return _pools;
            }

            var o = options.CurrentValue;
            var pools = new Dictionary<string, VipPool>(StringComparer.Ordinal);
            for (int i = 0; i < o.Pools.Count; i++)
            {
                var p = o.Pools[i];
                var store = services.GetKeyedService<ILeaseStore>(p.Store) ?? throw new OptionsValidationException(VirtualIpOptions.SectionName, typeof(VirtualIpOptions),
                    [$"{VirtualIpOptions.SectionName}:Pools:{i}:Store = '{p.Store}' has no lease store registered: reference VirtualIp.Etcd and call UseEtcd(...) on the builder from AddVirtualIp()."]);
                pools[p.Name] = new VipPool(p, store, time, o.Leases.NodeId);
            }

            return _pools = pools;
        }
    }
}
