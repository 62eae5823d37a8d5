using Microsoft.Extensions.Logging;
using VirtualIp.Vrrp;

namespace VirtualIp.Hosting;

/// <summary>
/// The virtual MAC interfaces of the routers with <c>UseVirtualMac</c> (keepalived <c>use_vmac</c>): created through the
/// platform before the router is built, so the router's transport, VIPs and announcements are on it; removed once the
/// router is gone. The configuration the router runs with names the virtual MAC interface; the one the host compares on
/// reload keeps the configured interface.
/// </summary>
internal sealed partial class VirtualMacs(PlatformSession session, ILogger logger)
{
    /// <summary>Creates the interface of <paramref name="config"/> (null when it does not use a virtual MAC).</summary>
    /// <exception cref="PlatformNotSupportedException">The platform has no virtual MAC.</exception>
    public string? Create(VrrpRouterConfiguration config)
    {
        if (!config.UseVirtualMac)
        {
            return null;
        }

        var platform = session.Platform ?? throw new InvalidOperationException("The platform session is not open.");
        var name = platform.CreateVirtualMac(config.ToOptions());
        LogCreated(logger, config.Name, name, config.Interface, config.VirtualRouterId);
        return name;
    }

    /// <summary>The configuration the router runs with: <paramref name="config"/> on <paramref name="virtualMac"/> when there is one.</summary>
    public static VrrpRouterConfiguration On(VrrpRouterConfiguration config, string? virtualMac)
    {
        if (virtualMac is null)
        {
            return config;
        }

        var o = config.ToOptions();
        o.Interface = virtualMac;
        var moved = VrrpRouterConfiguration.FromValidated(o);
        return config.RemoveStaleAddressesOnStart ? moved : moved.WithoutStaleCleanup();
    }

    /// <summary>Removes a virtual MAC interface (failures are logged: the next start removes a leftover).</summary>
    public void Remove(string? virtualMac)
    {
        if (virtualMac is null || session.Platform is not { } platform)
        {
            return;
        }

        try
        {
            platform.RemoveVirtualMac(virtualMac);
            LogRemoved(logger, virtualMac);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRemoveFailed(logger, virtualMac, ex);
        }
    }

    [LoggerMessage(EventId = 1045, Level = LogLevel.Information, Message = "Router {Name}: virtual MAC interface {VirtualMac} created on {Interface} (VRID {Vrid})")]
    private static partial void LogCreated(ILogger logger, string name, string virtualMac, string @interface, int vrid);

    [LoggerMessage(EventId = 1046, Level = LogLevel.Information, Message = "Virtual MAC interface {VirtualMac} removed")]
    private static partial void LogRemoved(ILogger logger, string virtualMac);

    [LoggerMessage(EventId = 1047, Level = LogLevel.Warning, Message = "Removing virtual MAC interface {VirtualMac} failed; the next start removes it")]
    private static partial void LogRemoveFailed(ILogger logger, string virtualMac, Exception exception);
}
