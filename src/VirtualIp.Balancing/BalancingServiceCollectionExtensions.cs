using Microsoft.Extensions.Configuration;
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
    /// <c>IActiveConnectionsSource</c> over the running forwarders (load tracking on connections, <c>TrackLoad</c> source
    /// <c>Connections</c>) and <see cref="IForwarderManager"/>: the runtime control of each running forwarder (list,
    /// add, remove, weight, drain). Named <c>IOptionsMonitor&lt;ForwarderOptions&gt;</c> changes apply their backend
    /// changes live.
    /// </summary>
    public static IServiceCollection AddVirtualIpForwarder(this IServiceCollection services, Action<ForwarderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var probe = new ForwarderOptions();
        configure(probe);
        return AddForwarder(services, probe.Name, b => b.Configure(configure));
    }

    /// <summary>
    /// Adds an L4 forwarder as <see cref="AddVirtualIpForwarder(IServiceCollection, Action{ForwarderOptions})"/> does, its
    /// options read from <paramref name="configuration"/> (keys as the <see cref="ForwarderOptions"/> properties,
    /// <c>Backends</c> as strings "HOST:PORT" or objects with <c>Address</c>, <c>Weight</c>, <c>Name</c>,
    /// <c>HealthCheckAddress</c>; durations "20ms", "1s", "2m", "00:00:05" or seconds), then
    /// <paramref name="configure"/> (which wins). When the configuration reloads (e.g. <c>reloadOnChange</c>), added,
    /// removed and re-weighted backends apply live with no restart and no dropped connections (removed ones drain for
    /// <see cref="ForwarderOptions.DrainTimeout"/>); an invalid change is logged by key and the running backends kept;
    /// other keys are logged as needing a restart.
    /// </summary>
    public static IServiceCollection AddVirtualIpForwarder(this IServiceCollection services, IConfiguration configuration, Action<ForwarderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var probe = new ForwarderOptions();
        if (configuration["Name"] is { Length: > 0 } configured)
        {
            probe.Name = configured;
        }

        configure?.Invoke(probe);
        string name = probe.Name;
        services.AddSingleton<IOptionsChangeTokenSource<ForwarderOptions>>(new ConfigurationChangeTokenSource<ForwarderOptions>(name, configuration));
        return AddForwarder(services, name, b =>
        {
            b.Configure(o => ForwarderConfigurationReader.Read(configuration, o));
            if (configure is not null)
            {
                b.Configure(configure);
            }

            b.PostConfigure(o => o.Name = name); // the name is the registration's; a reload cannot rename it
        });
    }

    private static IServiceCollection AddForwarder(IServiceCollection services, string name, Action<OptionsBuilder<ForwarderOptions>> options)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("ForwarderOptions.Name must not be empty.", nameof(options));
        }

        services.AddBackendSchedulers();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ForwarderOptions>, ForwarderOptionsValidator>());
        var builder = services.AddOptions<ForwarderOptions>(name);
        options(builder);
        builder.ValidateOnStart();
        services.TryAddSingleton<ForwarderRegistry>();
        VirtualIp.Balancing.Floating.ConfiguredRouterForwarder.Register(services, name); // routers that name it in configuration
        services.TryAddSingleton<VirtualIp.Health.IActiveConnectionsSource>(static sp => sp.GetRequiredService<ForwarderRegistry>());
        services.TryAddSingleton<IForwarderManager>(static sp => sp.GetRequiredService<ForwarderRegistry>());
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
