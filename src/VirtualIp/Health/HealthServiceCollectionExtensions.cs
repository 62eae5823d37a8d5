using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualIp.Health;
using VirtualIp.Health.Tracking;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers VirtualIp health monitoring.</summary>
public static class HealthServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IHealthMonitor"/> (uses <see cref="TimeProvider"/>, logging and <see cref="IMeterFactory"/> when registered)
    /// and the backend health tracker as <see cref="IBackendHealthSource"/> and <see cref="IPassiveHealthReporter"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configurePassive">Configures the passive backend health policy.</param>
    public static IServiceCollection AddVirtualIpHealth(this IServiceCollection services, Action<PassiveHealthOptions>? configurePassive = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<PassiveHealthOptions>();
        if (configurePassive is not null)
        {
            options.Configure(configurePassive);
        }

        services.AddMetrics();
        services.TryAddSingleton<IHealthMonitor>(static sp => new HealthMonitor(
            sp.GetService<TimeProvider>(), sp.GetService<ILogger<HealthMonitor>>(), sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(static sp => new BackendHealthTracker(
            sp.GetRequiredService<IOptions<PassiveHealthOptions>>().Value, sp.GetService<TimeProvider>(), sp.GetService<ILogger<BackendHealthTracker>>()));
        services.TryAddSingleton<IBackendHealthSource>(static sp => sp.GetRequiredService<BackendHealthTracker>());
        services.TryAddSingleton<IPassiveHealthReporter>(static sp => sp.GetRequiredService<BackendHealthTracker>());
        return services;
    }
}
