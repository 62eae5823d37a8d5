using Microsoft.Extensions.Diagnostics.HealthChecks;
using VirtualIp.Election;
using VirtualIp.Hosting;

namespace VirtualIp.HealthChecks;

/// <summary>
/// Reports the state of VirtualIp's routers: Fault is the failure status, Backup and Master are healthy (with
/// RequireMaster only Master is), Initialize (starting or stopped) is Degraded. Data: each router's state, priority
/// and master address.
/// </summary>
internal sealed class VirtualIpHealthCheck(IVirtualIpRuntime runtime, VirtualIpHealthCheckSettings settings) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var failure = context.Registration?.FailureStatus ?? settings.FailureStatus;
        return Task.FromResult(Evaluate(runtime, settings, failure));
    }

    internal static HealthCheckResult Evaluate(IVirtualIpRuntime runtime, VirtualIpHealthCheckSettings settings, HealthStatus failure)
    {
        if (runtime.PlatformName is null)
        {
            return new HealthCheckResult(settings.RequireMaster ? failure : HealthStatus.Degraded, "VirtualIp has not started.");
        }

        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var status = HealthStatus.Healthy;
        var problems = new List<string>();
        foreach (var router in runtime.Routers)
        {
            if (settings.Routers.Count > 0 && !settings.Routers.Contains(router.Name))
            {
                continue;
            }

            seen.Add(router.Name);
            var state = router.State;
            data[router.Name + ".state"] = StateName(state);
            data[router.Name + ".priority"] = router.Priority;
            if (router.MasterAddress is { } master)
            {
                data[router.Name + ".master"] = master.ToString();
            }

            var routerStatus = state switch
            {
                VrrpState.Fault => failure,
                VrrpState.Master => HealthStatus.Healthy,
                VrrpState.Backup => settings.RequireMaster ? failure : HealthStatus.Healthy,
                _ => settings.RequireMaster ? failure : HealthStatus.Degraded,
            };
            if (routerStatus != HealthStatus.Healthy)
            {
                problems.Add($"{router.Name} is {StateName(state)}");
                status = Worst(status, routerStatus);
            }
        }

        foreach (var wanted in settings.Routers)
        {
            if (!seen.Contains(wanted))
            {
                problems.Add($"no router named '{wanted}'");
                status = Worst(status, failure);
            }
        }

        var description = problems.Count > 0
            ? string.Join("; ", problems) + "."
            : seen.Count == 0 ? "No routers." : settings.RequireMaster ? $"Master of {string.Join(", ", seen)}." : $"{seen.Count} router(s) running.";
        return new HealthCheckResult(status, description, data: data);
    }

    private static HealthStatus Worst(HealthStatus a, HealthStatus b) => a < b ? a : b;

    private static string StateName(VrrpState state) => state switch
    {
        VrrpState.Initialize => "initialize",
        VrrpState.Backup => "backup",
        VrrpState.Master => "master",
        VrrpState.Fault => "fault",
        _ => state.ToString().ToLowerInvariant(),
    };
}
