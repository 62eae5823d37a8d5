using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace VirtualIp.Hosting;

/// <summary>
/// Finds the platform: the one registered with UseLinux()/UseWindows()/UsePlatform(), or else the package for
/// this operating system when the application references it (VirtualIp.Linux on Linux, VirtualIp.Windows on Windows).
/// </summary>
internal sealed class PlatformAccessor(IServiceProvider services)
{
    private IVirtualIpPlatform? _platform;

    public IVirtualIpPlatform Get() => _platform ??= services.GetService<IVirtualIpPlatform>() ?? Discover(services)
        ?? throw new InvalidOperationException(
            "No VirtualIp platform is available: reference the VirtualIp.Linux or VirtualIp.Windows package and call UseLinux()/UseWindows() on the builder from AddVirtualIp(), or register an IVirtualIpPlatform.");

    // Discovery by name is a convenience for apps that run untrimmed; trimmed and Native AOT apps call UseLinux()/UseWindows(),
    // which register the platform directly, so this path is never taken there.
    [UnconditionalSuppressMessage("Trimming", "IL2057", Justification = "Only a fallback for untrimmed apps; trimmed and AOT apps register the platform with UseLinux()/UseWindows().")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Only a fallback for untrimmed apps; trimmed and AOT apps register the platform with UseLinux()/UseWindows().")]
    private static IVirtualIpPlatform? Discover(IServiceProvider services)
    {
        var type = OperatingSystem.IsLinux() ? Type.GetType("VirtualIp.Linux.LinuxPlatform, VirtualIp.Linux", throwOnError: false)
            : OperatingSystem.IsWindows() ? Type.GetType("VirtualIp.Windows.WindowsPlatform, VirtualIp.Windows", throwOnError: false)
            : null;
        return type is null ? null : (IVirtualIpPlatform)ActivatorUtilities.CreateInstance(services, type);
    }
}
