namespace VirtualIp.Health.Probes;

/// <summary>A probe backed by a delegate.</summary>
internal sealed class DelegateProbe : IHealthProbe
{
    private readonly Func<CancellationToken, ValueTask<ProbeResult>> _probe;

    public DelegateProbe(Func<CancellationToken, ValueTask<ProbeResult>> probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        _probe = probe;
    }

    public ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken) => _probe(cancellationToken);
}
