using System.Diagnostics.Metrics;
using VirtualIp.Pools;
using static VirtualIp.Diagnostics.MetricNames;

namespace VirtualIp.Diagnostics;

/// <summary>
/// Dynamic-VIP pool instruments on the <see cref="VirtualIpMeters.Core"/> meter: addresses by state (used, free), the
/// pool's limit, acquisitions, expirations. Created through the host's <see cref="IMeterFactory"/>; without one nothing
/// is recorded.
/// </summary>
internal sealed class PoolMetrics : IDisposable
{
    private readonly Counter<long>? _acquisitions;
    private readonly Counter<long>? _expirations;
    private readonly Func<IReadOnlyCollection<VipPool>> _pools;
    private volatile bool _disposed;

    public PoolMetrics(IMeterFactory? meterFactory, Func<IReadOnlyCollection<VipPool>> pools)
    {
        _pools = pools;
        if (meterFactory is null)
        {
            return;
        }

        var meter = meterFactory.Create(VirtualIpMeters.Core);
        _acquisitions = meter.CreateCounter<long>("virtualip.pool.acquisitions", "{lease}", "Leases granted to this node, by pool.");
        _expirations = meter.CreateCounter<long>("virtualip.pool.expirations", "{lease}", "Leases of this node that ran out or were lost, by pool.");
        meter.CreateObservableUpDownCounter("virtualip.pool.address.count", ObserveCount, "{address}",
            "Pool addresses by state: used (leased, as this node knows) or free.");
        meter.CreateObservableUpDownCounter("virtualip.pool.address.limit", ObserveLimit, "{address}", "Addresses in the pool (reserved excluded).");
    }

    public void Acquired(string pool) => _acquisitions?.Add(1, new KeyValuePair<string, object?>(PoolName, pool));

    public void Expired(string pool) => _expirations?.Add(1, new KeyValuePair<string, object?>(PoolName, pool));

    /// <summary>Stops observing the pools (the meter belongs to the factory and outlives this object).</summary>
    public void Dispose() => _disposed = true;

    private IEnumerable<Measurement<long>> ObserveCount()
    {
        if (_disposed)
        {
            yield break;
        }

        foreach (var p in _pools())
        {
            yield return new Measurement<long>(p.InUse, new(PoolName, p.Options.Name), new(PoolAddressState, "used"));
            yield return new Measurement<long>(p.Free, new(PoolName, p.Options.Name), new(PoolAddressState, "free"));
        }
    }

    private IEnumerable<Measurement<long>> ObserveLimit() =>
        _disposed ? [] : _pools().Select(p => new Measurement<long>(p.Capacity, new KeyValuePair<string, object?>(PoolName, p.Options.Name)));
}
