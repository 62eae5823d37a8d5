using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Hosting;
using VirtualIp.Vrrp;

namespace VirtualIp.Balancing.Floating;

/// <summary>
/// The configuration form of <c>WithForwarder</c>: a router whose <see cref="VrrpRouterOptions.Forwarder"/> names this
/// forwarder (e.g. <c>VirtualIp:Routers:0:Forwarder</c> in JSON) gets, when the options are built, the forwarder's
/// check (<see cref="VrrpRouterOptions.ForwarderCheckName"/>, <see cref="ForwarderServingProbe"/>, the same settings as
/// the code API) and tracks it with <see cref="VrrpRouterOptions.ForwarderWeight"/>; the forwarder's wildcard listen
/// address becomes the router's VIP (<see cref="FloatingListen"/>). Registered once per forwarder by
/// <c>AddVirtualIpForwarder</c>; a name no forwarder registered is left alone for VirtualIp's validation to name.
/// Configuration flows one way: reader → these post-configure steps → validation → the host's immutable snapshot.
/// </summary>
internal static class ConfiguredRouterForwarder
{
    public static void Register(IServiceCollection services, string forwarder)
    {
        string check = VrrpRouterOptions.ForwarderCheckName(forwarder);

        // One probe per forwarder, the same instance in every build of the options (a reload compares check entries).
        var probe = new StrongBox<ForwarderServingProbe?>();
        services.AddOptions<VirtualIpOptions>().PostConfigure<ForwarderRegistry>((o, registry) =>
        {
            bool followed = false;
            foreach (var r in o.Routers)
            {
                if (r is null || !string.Equals(r.Forwarder, forwarder, StringComparison.Ordinal))
                {
                    continue;
                }

                followed = true;
                if (!r.TrackChecks.Any(t => t is not null && t.Name == check))
                {
                    r.TrackChecks.Add(new VrrpTrackOptions { Name = check, Weight = r.ForwarderWeight });
                }
            }

            if (followed && !o.Checks.Any(c => c.Check.Name == check))
            {
                Interlocked.CompareExchange(ref probe.Value, new ForwarderServingProbe(registry, forwarder), null);
                var entry = new HealthCheckEntryOptions { Probe = probe.Value };
                entry.Check.Name = check;
                FloatingVipForwarderExtensions.ConfigureCheck(entry.Check);
                o.Checks.Add(entry);
            }
        });

        services.AddOptions<ForwarderOptions>(forwarder).PostConfigure<IOptionsMonitor<VirtualIpOptions>>((f, options) =>
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

            if (current.Routers.FirstOrDefault(r => r is not null && string.Equals(r.Forwarder, forwarder, StringComparison.Ordinal)) is { } router)
            {
                FloatingListen.Apply(f, router.Name, current, OperatingSystem.IsLinux());
            }
        });
    }
}
