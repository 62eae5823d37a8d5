using VirtualIp.Balancing.Forwarding;
using VirtualIp.Health;

namespace VirtualIp.Balancing.Floating;

/// <summary>
/// "Can this node's forwarder serve?" as a health probe, tracked by the floating VIP's router
/// (<c>AddFloatingVip(...).WithForwarder(...)</c>): up while the forwarder is running (its listener bound: it is in the
/// <see cref="ForwarderRegistry"/> from a successful start until its stop) and at least one of its backends is
/// available (healthy by active, passive and external health, and not draining). Reads memory only; no I/O.
/// </summary>
internal sealed class ForwarderServingProbe(ForwarderRegistry registry, string forwarder) : IHealthProbe
{
    /// <summary>The forwarder's name.</summary>
    public string Forwarder { get; } = forwarder;

    /// <summary>Where the running forwarders are looked up.</summary>
    public ForwarderRegistry Registry { get; } = registry;

    public ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken) => new(Probe());

    /// <summary>The verdict now.</summary>
    public ProbeResult Probe()
    {
        if (!Registry.TryGetForwarder(Forwarder, out var f))
        {
            return ProbeResult.Failure($"forwarder '{Forwarder}' is not running (not started yet, stopped, or its listener failed)");
        }

        var backends = f.Scheduler.Backends.AsSpan();
        foreach (var b in backends)
        {
            if (b.IsAvailable)
            {
                return ProbeResult.Success;
            }
        }

        return ProbeResult.Failure($"forwarder '{Forwarder}': none of its {backends.Length} backends is available");
    }
}
