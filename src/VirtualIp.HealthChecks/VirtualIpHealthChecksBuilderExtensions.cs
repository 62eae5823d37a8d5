using Microsoft.Extensions.Diagnostics.HealthChecks;
using VirtualIp.HealthChecks;
using VirtualIp.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds VirtualIp's router state to <c>services.AddHealthChecks()</c>.</summary>
public static class VirtualIpHealthChecksBuilderExtensions
{
    /// <summary>The default registration name.</summary>
    public const string DefaultName = "virtualip";

    /// <summary>
    /// Adds a check named "virtualip" that reports the routers' state: Fault is Unhealthy, Backup and Master are Healthy
    /// (with <see cref="VirtualIpHealthCheckOptions.RequireMaster"/> only Master), Initialize is Degraded.
    /// Needs <c>AddVirtualIp(...)</c>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="configure">Routers, master-only, failure status, tags.</param>
    /// <exception cref="ArgumentException">The options are invalid (the message names the value).</exception>
    public static IHealthChecksBuilder AddVirtualIp(this IHealthChecksBuilder builder, Action<VirtualIpHealthCheckOptions>? configure = null) =>
        builder.AddVirtualIp(DefaultName, configure);

    /// <summary>Adds a VirtualIp router-state check under <paramref name="name"/> (several checks may differ in routers, master-only and tags).</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The registration name, unique among the checks.</param>
    /// <param name="configure">Routers, master-only, failure status, tags.</param>
    /// <exception cref="ArgumentException">The name is empty or the options are invalid (the message names the value).</exception>
    public static IHealthChecksBuilder AddVirtualIp(this IHealthChecksBuilder builder, string name, Action<VirtualIpHealthCheckOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var options = new VirtualIpHealthCheckOptions();
        configure?.Invoke(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Invalid VirtualIp health check '{name}': {string.Join(" ", errors)}", nameof(configure));
        }

        var settings = VirtualIpHealthCheckSettings.From(options);
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new VirtualIpHealthCheck(sp.GetRequiredService<IVirtualIpRuntime>(), settings),
            options.FailureStatus,
            [.. options.Tags],
            options.Timeout));
    }
}
