using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualIp.Addressing;
using VirtualIp.Diagnostics;
using VirtualIp.Events;
using VirtualIp.Health;
using VirtualIp.Health.Load;
using VirtualIp.Hosting;
using VirtualIp.Leasing;
using VirtualIp.Pools;
using VirtualIp.Vrrp;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The entry point: <c>services.AddVirtualIp(configuration.GetSection("VirtualIp"))</c>.</summary>
public static class VirtualIpServiceCollectionExtensions
{
    /// <summary>
    /// Adds VirtualIp: options from <paramref name="configuration"/> (the "VirtualIp" section; may be null) validated at start,
    /// the hosted service, events, metrics and health checks. Returns a builder for VIPs, checks and the platform.
    /// </summary>
    public static IVirtualIpBuilder AddVirtualIp(this IServiceCollection services, IConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics(); // every instrument comes from the IMeterFactory (a host registers it already; TryAdd inside)
        services.AddVirtualIpHealth();
        services.TryAddSingleton<VirtualIpEventStream>();
        services.TryAddSingleton<IVirtualIpEvents>(static sp => sp.GetRequiredService<VirtualIpEventStream>());
        services.TryAddSingleton(static sp => new VirtualIpMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<PlatformAccessor>();

        // The host's parts, one job each (see docs/architecture.md); the hosted service only orchestrates them.
        services.TryAddSingleton<ValidationGate>();
        services.TryAddSingleton<AnnouncerOptionsSource>();
        services.TryAddSingleton<AddressGuards>();
        services.TryAddSingleton<PlatformSession>();
        services.TryAddSingleton<StaticVipSet>();
        services.TryAddSingleton<HealthCheckSet>();
        services.TryAddSingleton<NotifyDispatcher>();
        services.TryAddSingleton<AuditOutput>();
        services.TryAddSingleton<ConflictDetection>();
        services.TryAddSingleton<EventBridge>();
        services.TryAddSingleton(static sp => new LoadTracking(sp.GetRequiredService<TimeProvider>(), sp.GetService<IActiveConnectionsSource>,
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton<RouterSet>();
        services.TryAddSingleton<ConfigurationApplier>();
        services.TryAddSingleton<ConfigurationReloader>();
        services.TryAddSingleton<VirtualIpHostedService>();
        services.TryAddSingleton<IVirtualIpRuntime, VirtualIpRuntime>();
        services.AddHostedService(static sp => sp.GetRequiredService<VirtualIpHostedService>());
        services.TryAddSingleton<VipPoolRegistry>();
        services.TryAddKeyedSingleton<ILeaseStore>(LeaseStoreOptions.Embedded, static (sp, _) =>
            sp.GetRequiredService<IOptionsMonitor<VirtualIpOptions>>().CurrentValue.Leases is var l ? new JournalLeaseStore(l.ResolveJournalPath(), l.HistoryLimit) : null!);
        services.AddHostedService<PoolHostedService>(); // after the main service: pool VIPs are bound once stale addresses are gone
        var options = services.AddOptions<VirtualIpOptions>();
        if (configuration is not null)
        {
            options.Configure(o => VirtualIpConfigurationReader.Read(configuration, o));

            // Live reload: IOptionsMonitor<VirtualIpOptions> follows the configuration (files added with reloadOnChange).
            services.AddSingleton<IOptionsChangeTokenSource<VirtualIpOptions>>(new ConfigurationChangeTokenSource<VirtualIpOptions>(Microsoft.Extensions.Options.Options.DefaultName, configuration));
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VirtualIpOptions>, VirtualIpOptionsValidator>());
        options.ValidateOnStart();
        return new VirtualIpBuilder(services);
    }

    /// <summary>Adds VirtualIp configured in code.</summary>
    public static IVirtualIpBuilder AddVirtualIp(this IServiceCollection services, Action<VirtualIpOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddVirtualIp((IConfiguration?)null);
        builder.Services.Configure(configure);
        return builder;
    }
}

/// <summary>Fluent additions on <see cref="IVirtualIpBuilder"/>.</summary>
public static class VirtualIpBuilderExtensions
{
    /// <summary>
    /// Adds a floating VIP: a VRRP virtual router. <paramref name="configure"/> also runs once here on a scratch
    /// options object to learn the router's <see cref="VrrpRouterOptions.Name"/> (<see cref="IFloatingVipBuilder.RouterName"/>).
    /// </summary>
    public static IFloatingVipBuilder AddFloatingVip(this IVirtualIpBuilder builder, Action<VrrpRouterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var scratch = new VrrpRouterOptions { Name = "" };
        configure(scratch);
        builder.Services.Configure<VirtualIpOptions>(o =>
        {
            var r = new VrrpRouterOptions { Name = $"vrrp{o.Routers.Count}" };
            configure(r);
            o.Routers.Add(r);
        });
        return new FloatingVipBuilder(builder.Services, string.IsNullOrEmpty(scratch.Name) ? null : scratch.Name);
    }

    /// <summary>Adds static VIPs, bound while the host runs.</summary>
    public static IVirtualIpBuilder AddStaticVip(this IVirtualIpBuilder builder, string interfaceName, params string[] vips)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        var parsed = vips.Select(VipAddress.Parse).ToList();
        builder.Services.Configure<VirtualIpOptions>(o =>
        {
            var s = new StaticVipOptions { Interface = interfaceName };
            foreach (var v in parsed)
            {
                s.Vips.Add(v);
            }

            o.StaticVips.Add(s);
        });
        return builder;
    }

    /// <summary>Adds a health check probing <paramref name="target"/> (tcp://HOST:PORT, http(s)://URL, icmp://HOST or exec:COMMAND).</summary>
    public static IVirtualIpBuilder AddHealthCheck(this IVirtualIpBuilder builder, string name, string target, Action<HealthCheckOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        _ = HealthProbes.Parse(target);
        return builder.AddCheckEntry(name, e => e.Target = target, configure);
    }

    /// <summary>Adds a health check with a probe built in code (delegate, ASP.NET IHealthCheck adapter, custom).</summary>
    public static IVirtualIpBuilder AddHealthCheck(this IVirtualIpBuilder builder, string name, IHealthProbe probe, Action<HealthCheckOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(probe);
        return builder.AddCheckEntry(name, e => e.Probe = probe, configure);
    }

    /// <summary>Makes <paramref name="check"/> move <paramref name="router"/>'s priority (weight &gt; 0 added while up, &lt; 0 subtracted while down, 0 = Fault while down).</summary>
    public static IVirtualIpBuilder TrackCheck(this IVirtualIpBuilder builder, string router, string check, int weight = 0)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.PostConfigure<VirtualIpOptions>(o => Track(o, router, check, weight, interfaces: false));
        return builder;
    }

    /// <summary>Makes an interface's link state move <paramref name="router"/>'s priority (weight 0 = Fault while down).</summary>
    public static IVirtualIpBuilder TrackInterface(this IVirtualIpBuilder builder, string router, string interfaceName, int weight = 0)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.PostConfigure<VirtualIpOptions>(o => Track(o, router, interfaceName, weight, interfaces: true));
        return builder;
    }

    /// <summary>Adds a dynamic VIP pool.</summary>
    public static IVirtualIpBuilder AddPool(this IVirtualIpBuilder builder, string name, params string[] ranges)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<VirtualIpOptions>(o =>
        {
            var p = new VipPoolOptions { Name = name };
            foreach (var r in ranges)
            {
                p.Ranges.Add(r);
            }

            o.Pools.Add(p);
        });
        return builder;
    }

    /// <summary>Uses <paramref name="platform"/> for binding, announcing and VRRP transport.</summary>
    public static IVirtualIpBuilder UsePlatform(this IVirtualIpBuilder builder, IVirtualIpPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(platform);
        builder.Services.Replace(ServiceDescriptor.Singleton(platform));
        return builder;
    }

    /// <summary>Puts a tracked input on its router's options (after every Configure, so the router may be added later in code).</summary>
    private static void Track(VirtualIpOptions o, string router, string name, int weight, bool interfaces)
    {
        if (o.Routers.FirstOrDefault(r => r.Name == router) is not { } r)
        {
            o.ReadErrors.Add($"{(interfaces ? "TrackInterface" : "TrackCheck")}(\"{router}\", \"{name}\"): '{router}' is not a configured router.");
            return;
        }

        (interfaces ? r.TrackInterfaces : r.TrackChecks).Add(new VrrpTrackOptions { Name = name, Weight = weight });
    }

    private static IVirtualIpBuilder AddCheckEntry(this IVirtualIpBuilder builder, string name, Action<HealthCheckEntryOptions> set, Action<HealthCheckOptions>? configure)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        builder.Services.Configure<VirtualIpOptions>(o =>
        {
            var e = new HealthCheckEntryOptions();
            e.Check.Name = name;
            configure?.Invoke(e.Check);
            e.Check.Name = name;
            set(e);
            o.Checks.Add(e);
        });
        return builder;
    }
}
