using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualIp.Balancing;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Balancing.Scheduling;
using VirtualIp.Scheduling;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers VirtualIp load balancing: schedulers and L4 forwarders.</summary>
public static class BalancingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IBackendSchedulerFactory"/> (all built-in schedulers by name, see
    /// <see cref="BackendSchedulerNames"/>).
    /// </summary>
    public static IServiceCollection AddBackendSchedulers(this IServiceCollection services, Action<BackendSchedulerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<BackendSchedulerOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.Validate(o => MaglevScheduler.IsPrime(o.MaglevTableSize), "BackendSchedulerOptions.MaglevTableSize must be a prime (e.g. 65537).");
        services.TryAddSingleton<IBackendSchedulerFactory>(sp => new BackendSchedulerFactory(sp.GetRequiredService<IOptions<BackendSchedulerOptions>>()));
        return services;
    }

    /// <summary>
    /// Adds an L4 forwarder (TCP or UDP) run by a hosted service: it starts with the host, and stopping the host drains
    /// it for up to <see cref="ForwarderOptions.DrainTimeout"/>. Options are validated when the host starts. Call once
    /// per forwarder with distinct <see cref="ForwarderOptions.Name"/>s (the name set by <paramref name="configure"/>,
    /// "default" unless changed). When an <c>IHealthMonitor</c> is registered (<c>AddVirtualIpHealth()</c>) every backend
    /// gets an active TCP check (<see cref="ForwarderOptions.HealthCheck"/>), and when an <c>IBackendHealthSource</c> is
    /// registered its verdicts (by backend name) take backends out too; passive health applies on top. Registers an
    /// <c>IActiveConnectionsSource</c> over the running forwarders (load tracking on connections, <c>TrackLoad</c> source <c>Connections</c>).
    /// </summary>
    public static IServiceCollection AddVirtualIpForwarder(this IServiceCollection services, Action<ForwarderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var probe = new ForwarderOptions();
        configure(probe);
        string name = probe.Name;
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("ForwarderOptions.Name must not be empty.", nameof(configure));
        }

        services.AddBackendSchedulers();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ForwarderOptions>, ForwarderOptionsValidator>());
        services.AddOptions<ForwarderOptions>(name).Configure(configure).ValidateOnStart();
        services.TryAddSingleton<ForwarderRegistry>();
        services.TryAddSingleton<VirtualIp.Health.IActiveConnectionsSource>(static sp => sp.GetRequiredService<ForwarderRegistry>());
        services.AddSingleton<IHostedService>(sp => new ForwarderHostedService(
            name,
            sp.GetRequiredService<IOptionsMonitor<ForwarderOptions>>(),
            sp.GetRequiredService<IBackendSchedulerFactory>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetService<VirtualIp.Health.IHealthMonitor>(),
            sp.GetService<VirtualIp.Health.IBackendHealthSource>(),
            sp.GetRequiredService<ForwarderRegistry>()));
        return services;
    }
}
