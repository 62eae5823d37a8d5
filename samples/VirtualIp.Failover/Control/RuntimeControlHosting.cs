using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VirtualIp.Failover.Systemd;

namespace VirtualIp.Failover.Control;

/// <summary>The daemon's operations side: systemd integration, the control socket, the first-state gate, SIGHUP logging.</summary>
internal static partial class RuntimeControlHosting
{
    /// <summary>
    /// Under systemd (Type=notify): READY=1 once every router's first state is known, STOPPING=1 on stop, and the
    /// journald console format (&lt;6&gt;-prefixed lines). The control socket when <c>Failover:ControlSocket</c> is set.
    /// Call after AddVirtualIp (hosted services start in order; the gate must be last).
    /// </summary>
    public static void AddFailoverOperations(this IServiceCollection services)
    {
        services.AddSystemd();
        services.AddHostedService<ControlSocketServer>();
        services.AddHostedService<FirstStateGate>();
    }

    /// <summary>The first word of the command line selects the control client.</summary>
    public static bool IsControlClient(string[] args) => args is ["ctl", ..];

    /// <summary>SIGHUP: reloads every configuration provider and logs it (the options monitor applies what may change live).</summary>
    public static void Reload(IConfigurationRoot configuration, IServiceProvider services)
    {
        configuration.Reload();
        LogReloaded(services.GetRequiredService<ILoggerFactory>().CreateLogger("VirtualIp.Failover"));
    }
}
