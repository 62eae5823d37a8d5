using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace VirtualIp.HealthChecks;

/// <summary>The validated, immutable form of <see cref="VirtualIpHealthCheckOptions"/> the check runs with.</summary>
internal sealed record VirtualIpHealthCheckSettings(IReadOnlySet<string> Routers, bool RequireMaster, HealthStatus FailureStatus)
{
    public static VirtualIpHealthCheckSettings From(VirtualIpHealthCheckOptions options) =>
        new(new HashSet<string>(options.Routers, StringComparer.Ordinal), options.RequireMaster, options.FailureStatus);
}
