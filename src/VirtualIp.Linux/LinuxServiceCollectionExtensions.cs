using System.Diagnostics.Metrics;
using System.Runtime.Versioning;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualIp.Hosting;
using VirtualIp.Linux;
using VirtualIp.Linux.ProcessTuning;

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

    /// <summary>
    /// Process-level tuning applied when the host starts (<see cref="LinuxProcessOptions"/>): SCHED_RR real-time
    /// scheduling for every thread (keepalived's <c>vrrp_rt_priority</c>), <c>mlockall</c> (<c>vrrp_no_swap</c>), and a
    /// memory trim once started. Refusals by the kernel stop the start with a <see cref="LinuxProcessException"/>.
    /// </summary>
    [SupportedOSPlatform("linux")]
    public static IVirtualIpBuilder UseLinuxProcess(this IVirtualIpBuilder builder, Action<LinuxProcessOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<LinuxProcessOptions>().Configure(configure).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LinuxProcessOptions>, LinuxProcessOptionsValidator>());
        if (!builder.Services.Any(d => d.ServiceType == typeof(ProcessTuningService)))
        {
            builder.Services.AddSingleton(sp => new ProcessTuningService(sp.GetRequiredService<IOptions<LinuxProcessOptions>>(),
                sp.GetService<ILogger<ProcessTuningService>>() ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<ProcessTuningService>.Instance,
                sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetService<VirtualIp.Events.IVirtualIpEvents>()));
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ProcessTuningService>());
        }
        return builder;
    }
}
