using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using VirtualIp.Health;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers VirtualIp health monitoring.</summary>
public static class HealthServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IHealthMonitor"/> (uses <see cref="TimeProvider"/>, logging and <see cref="IMeterFactory"/> when
    /// registered). Passive backend health (failed forwarded connections) belongs to the forwarder
    /// (<c>ForwarderOptions.PassiveHealthFailureThreshold</c>); an application with its own verdicts registers an
    /// <see cref="IBackendHealthSource"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    public static IServiceCollection AddVirtualIpHealth(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMetrics();
        services.TryAddSingleton<IHealthMonitor>(static sp => new HealthMonitor(
            sp.GetService<TimeProvider>(), sp.GetService<ILogger<HealthMonitor>>(), sp.GetService<IMeterFactory>()));
        return services;
    }
}
