using System.Runtime.Versioning;
using Microsoft.Extensions.DependencyInjection.Extensions;
using VirtualIp.Binding;
using VirtualIp.Hosting;
using VirtualIp.Windows;
using VirtualIp.Windows.Binding;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Windows platform services of VirtualIp.</summary>
public static class WindowsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the IP Helper API binder as <see cref="IVipBinder"/>. Addresses VirtualIp adds are recorded in
    /// <paramref name="ownershipLedgerPath"/> (default %ProgramData%\VirtualIp\owned-addresses.txt) so a restarted
    /// node can remove the ones it left behind.
    /// </summary>
    [SupportedOSPlatform("windows")]
    public static IServiceCollection AddVirtualIpWindows(this IServiceCollection services, string? ownershipLedgerPath = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IVipBinder>(_ => new IpHelperVipBinder(new OwnershipLedger(ownershipLedgerPath ?? OwnershipLedger.DefaultPath)));
        return services;
    }

    /// <summary>Uses the Windows platform (IP Helper API binding, Npcap announcements, IP Helper address watcher).</summary>
    [SupportedOSPlatform("windows")]
    public static IVirtualIpBuilder UseWindows(this IVirtualIpBuilder builder, string? ownershipLedgerPath = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IVirtualIpPlatform>(sp => new WindowsPlatform(ownershipLedgerPath, sp.GetService<Microsoft.Extensions.Logging.ILoggerFactory>())));
        return builder;
    }
}
