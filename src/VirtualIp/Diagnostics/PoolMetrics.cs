using System.Diagnostics.Metrics;
using VirtualIp.Pools;

namespace VirtualIp.Diagnostics;

/// <summary>Dynamic-VIP pool instruments on the "VirtualIp" meter: size, in use, free, acquisitions, expirations.</summary>
internal sealed class PoolMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _acquisitions;
    private readonly Counter<long> _expirations;
    private readonly Func<IReadOnlyCollection<VipPool>> _pools;
    private readonly bool _ownsMeter;

    public PoolMetrics(IMeterFactory? meterFactory, Func<IReadOnlyCollection<VipPool>> pools)
    {
        _pools = pools;
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(VirtualIpMetrics.MeterName) ?? new Meter(VirtualIpMetrics.MeterName);
        _acquisitions = _meter.CreateCounter<long>("virtualip.pool.acquisitions", "{lease}", "Leases granted by this node, tagged by pool.");
        _expirations = _meter.CreateCounter<long>("virtualip.pool.expirations", "{lease}", "Leases of this node that ran out or were lost, tagged by pool.");
        _meter.CreateObservableGauge("virtualip.pool.size", () => Observe(p => p.Capacity), "{address}", "Addresses in the pool (reserved excluded).");
        _meter.CreateObservableGauge("virtualip.pool.in_use", () => Observe(p => p.InUse), "{address}", "Addresses leased, as this node knows.");
        _meter.CreateObservableGauge("virtualip.pool.free", () => Observe(p => p.Free), "{address}", "Addresses free, as this node knows.");
    }

    public void Acquired(string pool) => _acquisitions.Add(1, new KeyValuePair<string, object?>("pool", pool));

    public void Expired(string pool) => _expirations.Add(1, new KeyValuePair<string, object?>("pool", pool));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose(); // a factory's meter belongs to the factory
        }
    }

    private IEnumerable<Measurement<long>> Observe(Func<VipPool, long> value) =>
        _pools().Select(p => new Measurement<long>(value(p), new KeyValuePair<string, object?>("pool", p.Options.Name)));
}
