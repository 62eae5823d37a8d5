using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using VirtualIp.Balancing;
using VirtualIp.Balancing.Floating;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Ties an L4 forwarder to a floating VIP: <c>services.AddVirtualIp(...).AddFloatingVip(o => ...).WithForwarder(f => ...)</c>.
/// The forwarder serves on the VIP's address on every node (bound with IP_FREEBIND / IPV6_FREEBIND, so backups are
/// ready the instant the VIP arrives), and a node whose forwarder cannot serve gives up mastership through tracking.
/// </summary>
public static class FloatingVipForwarderExtensions
{
    /// <summary>How often the "forwarder can serve" check runs (rise 1, fall 1: it reads memory only).</summary>
    internal static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Adds a forwarder (as <c>AddVirtualIpForwarder</c>; named after the router unless <paramref name="configure"/>
    /// names it) that follows this floating VIP. Give <see cref="ForwarderOptions.Listen"/> as ":PORT" (or
    /// "0.0.0.0:PORT" / "[::]:PORT") to listen on the VIP's own address; see
    /// <see cref="WithForwarder(IFloatingVipBuilder, string, int)"/> for the tracking.
    /// </summary>
    /// <param name="vip">The floating VIP (its <c>Name</c> set in <c>AddFloatingVip</c>).</param>
    /// <param name="configure">The forwarder's options.</param>
    /// <param name="weight">Tracking weight while the forwarder cannot serve: 0 (default) puts the router in Fault, a
    /// negative weight lowers its priority by that much (-253 to 0).</param>
    public static IFloatingVipBuilder WithForwarder(this IFloatingVipBuilder vip, Action<ForwarderOptions> configure, int weight = 0)
    {
        ArgumentNullException.ThrowIfNull(vip);
        ArgumentNullException.ThrowIfNull(configure);
        string router = RouterOf(vip, "WithForwarder(configure)");
        var scratch = new ForwarderOptions { Name = router };
        configure(scratch);
        vip.Services.AddVirtualIpForwarder(f =>
        {
            f.Name = router;
            configure(f);
        });
        return vip.WithForwarder(scratch.Name, weight);
    }

    /// <summary>
    /// Makes the forwarder named <paramref name="forwarder"/> (added with <c>AddVirtualIpForwarder</c>, before or after
    /// this call) follow this floating VIP: a wildcard listen address ("0.0.0.0:PORT", "[::]:PORT", ":PORT") becomes the
    /// VIP's address with that port, and the listener is bound with IP_FREEBIND / IPV6_FREEBIND on Linux, so every node
    /// listens on the VIP and only the master receives. A health check "forwarder:NAME" (every 200 ms, rise 1, fall 1)
    /// is up while the forwarder runs (listener bound) and has at least one available backend; the router tracks it
    /// with <paramref name="weight"/>.
    /// </summary>
    /// <param name="vip">The floating VIP (its <c>Name</c> set in <c>AddFloatingVip</c>).</param>
    /// <param name="forwarder">The forwarder's <see cref="ForwarderOptions.Name"/>.</param>
    /// <param name="weight">Tracking weight while the forwarder cannot serve: 0 (default) puts the router in Fault (the
    /// VIP moves to a node that can serve; with none, no node holds it), a negative weight lowers its priority by that
    /// much (-253 to 0; the VIP moves when a peer then has a higher priority).</param>
    public static IFloatingVipBuilder WithForwarder(this IFloatingVipBuilder vip, string forwarder, int weight = 0)
    {
        ArgumentNullException.ThrowIfNull(vip);
        ArgumentException.ThrowIfNullOrWhiteSpace(forwarder);
        if (weight is < -253 or > 0)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"WithForwarder(\"{forwarder}\"): the weight is applied while the forwarder cannot serve, so it is -253 to 0 (0 = Fault).");
        }

        string router = RouterOf(vip, $"WithForwarder(\"{forwarder}\")");
        var registry = RegistryOf(vip.Services);
        string check = CheckName(forwarder);
        vip.AddHealthCheck(check, new ForwarderServingProbe(registry, forwarder), ConfigureCheck);
        vip.TrackCheck(router, check, weight);
        vip.Services.AddOptions<ForwarderOptions>(forwarder).PostConfigure<IOptionsMonitor<VirtualIpOptions>>((f, options) =>
        {
            VirtualIpOptions current;
            try
            {
                current = options.CurrentValue;
            }
            catch (OptionsValidationException)
            {
                return; // VirtualIp's own start validation reports it, key by key
            }

            FloatingListen.Apply(f, router, current, OperatingSystem.IsLinux());
        });
        return vip;
    }

    /// <summary>The name of the tracked check of <paramref name="forwarder"/>.</summary>
    internal static string CheckName(string forwarder) => VirtualIp.Vrrp.VrrpRouterOptions.ForwarderCheckName(forwarder);

    /// <summary>The "forwarder can serve" check's settings (code API and configured routers alike).</summary>
    internal static void ConfigureCheck(VirtualIp.Health.HealthCheckOptions c)
    {
        c.Interval = CheckInterval;
        c.Timeout = CheckInterval / 2;
        c.Rise = 1;
        c.Fall = 1;
        c.JitterFraction = 0;
    }

    private static string RouterOf(IFloatingVipBuilder vip, string call) => vip.RouterName
        ?? throw new InvalidOperationException($"{call}: the floating VIP has no Name; set it in AddFloatingVip(o => {{ o.Name = \"web\"; ... }}) so the forwarder can follow it.");

    /// <summary>
    /// The one <see cref="ForwarderRegistry"/> as an instance (the probe needs it before the container exists): the
    /// registered instance, or a new one replacing a type registration.
    /// </summary>
    private static ForwarderRegistry RegistryOf(IServiceCollection services)
    {
        var existing = services.LastOrDefault(d => d.ServiceType == typeof(ForwarderRegistry) && !d.IsKeyedService);
        if (existing?.ImplementationInstance is ForwarderRegistry r)
        {
            return r;
        }

        r = new ForwarderRegistry();
        services.Replace(ServiceDescriptor.Singleton(r));
        return r;
    }
}
