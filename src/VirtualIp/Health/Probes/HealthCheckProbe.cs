using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace VirtualIp.Health.Probes;

/// <summary>Adapts an ASP.NET Core <see cref="IHealthCheck"/> so it can drive failover.</summary>
internal sealed class HealthCheckProbe : IHealthProbe
{
    private readonly IHealthCheck _check;
    private readonly bool _degradedIsHealthy;
    private readonly HealthCheckContext _context;

    public HealthCheckProbe(IHealthCheck check, string name, bool degradedIsHealthy)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentException.ThrowIfNullOrEmpty(name);
        _check = check;
        _degradedIsHealthy = degradedIsHealthy;
        _context = new HealthCheckContext { Registration = new HealthCheckRegistration(name, check, HealthStatus.Unhealthy, null) };
    }

    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var result = await _check.CheckHealthAsync(_context, cancellationToken).ConfigureAwait(false);
        return result.Status switch
        {
            HealthStatus.Healthy => result.Description is { Length: > 0 } d ? ProbeResult.Pass(d) : ProbeResult.Success,
            HealthStatus.Degraded => new ProbeResult(_degradedIsHealthy, result.Description is { Length: > 0 } d ? d : ProbeReasons.Degraded),
            _ => ProbeResult.Failure(result.Description is { Length: > 0 } d ? d : result.Exception is { } ex ? ProbeErrors.ReasonFor(ex) : ProbeReasons.Unhealthy),
        };
    }
}
