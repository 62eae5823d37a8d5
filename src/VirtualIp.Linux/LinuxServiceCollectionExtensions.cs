using System.Diagnostics.Metrics;
using System.Runtime.Versioning;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using VirtualIp.Hosting;
using VirtualIp.Linux;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Selects the Linux platform for VirtualIp.</summary>
public static class LinuxServiceCollectionExtensions
{
    /// <summary>
    /// Uses rtnetlink, AF_PACKET and raw VRRP sockets (or libpcap for announcements with <paramref name="usePcap"/>).
    /// </summary>
    [SupportedOSPlatform("linux")]
    public static IVirtualIpBuilder UseLinux(this IVirtualIpBuilder builder, bool usePcap = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IVirtualIpPlatform>(sp =>
            new LinuxPlatform(sp.GetService<ILoggerFactory>(), sp.GetService<TimeProvider>(), usePcap, sp.GetService<IMeterFactory>())));
        return builder;
    }
}
