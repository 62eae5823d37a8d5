using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace VirtualIp.HealthChecks;

/// <summary>What the VirtualIp health check reports (read once, when the check is registered).</summary>
public sealed class VirtualIpHealthCheckOptions
{
    /// <summary>The routers to report on, by name; empty (the default) for every router.</summary>
    public IList<string> Routers { get; } = [];

    /// <summary>
    /// Healthy only while master: for an active/passive application whose readiness follows the VIP. With several
    /// routers selected, every one of them must be master. Default false: Backup and Master are both healthy.
    /// </summary>
    public bool RequireMaster { get; set; }

    /// <summary>The status reported for a router in Fault (or not master with <see cref="RequireMaster"/>); default Unhealthy.</summary>
    public HealthStatus FailureStatus { get; set; } = HealthStatus.Unhealthy;

    /// <summary>Tags of the registration, to select checks per endpoint (e.g. "ready" for <c>/health/ready</c>).</summary>
    public ICollection<string> Tags { get; } = [];

    /// <summary>How long one check may take; null (the default) for no limit (the check only reads state).</summary>
    public TimeSpan? Timeout { get; set; }

    internal IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var router in Routers)
        {
            if (string.IsNullOrWhiteSpace(router))
            {
                errors.Add("Routers must not contain an empty name.");
            }
        }

        if (!Enum.IsDefined(FailureStatus))
        {
            errors.Add($"FailureStatus '{FailureStatus}' is not a HealthStatus.");
        }

        if (Timeout is { } t && t <= TimeSpan.Zero && t != System.Threading.Timeout.InfiniteTimeSpan)
        {
            errors.Add($"Timeout '{t}' must be positive.");
        }

        return errors;
    }
}
