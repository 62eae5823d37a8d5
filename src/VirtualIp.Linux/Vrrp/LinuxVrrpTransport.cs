using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Diagnostics;
using VirtualIp.Election;
using VirtualIp.Linux.Diagnostics;
using VirtualIp.Vrrp;

namespace VirtualIp.Linux.Vrrp;

/// <summary>
/// Creates the Linux VRRP transport: a raw IP protocol-112 socket bound to one interface, TTL/hop limit 255,
/// joined to 224.0.0.18 or ff02::12 (or sending to unicast peers). Needs CAP_NET_RAW.
/// </summary>
public static class LinuxVrrpTransport
{
    /// <summary>
    /// Opens the socket and configures it; the transport starts receiving on <see cref="IVrrpTransport.StartAsync"/>.
    /// Call it in the network namespace of the interface (the socket keeps that namespace).
    /// </summary>
    /// <param name="options">Interface, family, unicast peers and source address.</param>
    /// <param name="loggerFactory">Logs start, send/receive errors and handler failures; null for none.</param>
    /// <param name="timeProvider">Time source for the back-off after receive errors; null for <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid (the message names the value).</exception>
    /// <exception cref="VrrpTransportException">The OS refused (errno and hint, e.g. "needs CAP_NET_RAW", or the interface does not exist).</exception>
    /// <remarks>
    /// Transports made here record no metrics; those <see cref="LinuxPlatform"/> makes in a host count on the
    /// <see cref="VirtualIpMeters.Linux"/> meter.
    /// </remarks>
    public static IVrrpTransport Create(LinuxVrrpTransportOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null) =>
        Create(options, loggerFactory, timeProvider, metrics: null);

    internal static RawVrrpTransport Create(LinuxVrrpTransportOptions options, ILoggerFactory? loggerFactory, TimeProvider? timeProvider, LinuxMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        var logger = (ILogger?)loggerFactory?.CreateLogger("VirtualIp.Linux.Vrrp.RawVrrpTransport") ?? NullLogger.Instance;
        return RawVrrpTransport.Create(options, logger, timeProvider ?? TimeProvider.System, metrics);
    }

    /// <summary>
    /// Opens the transport a router needs: its interface, the family of its VIPs and its unicast peers. Pass it as the
    /// transport factory of <see cref="VirtualRouterFactory"/>: <c>VirtualRouterFactory.Create(routers, o =&gt; LinuxVrrpTransport.CreateForRouter(o), binder)</c>.
    /// </summary>
    /// <param name="router">The router configuration (Interface, Vips, UnicastPeers, UnicastSource, StrictUnicastTtl are used).</param>
    /// <param name="loggerFactory">Logs start, send/receive errors and handler failures; null for none.</param>
    /// <param name="timeProvider">Time source for the back-off after receive errors; null for <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentException">The router has no VIPs (the family is unknown).</exception>
    /// <exception cref="VrrpTransportException">The OS refused.</exception>
    public static IVrrpTransport CreateForRouter(VrrpRouterOptions router, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null) =>
        CreateForRouter(router, loggerFactory, timeProvider, metrics: null);

    /// <param name="router">The router.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="metrics">The meter's instruments, or null.</param>
    /// <param name="virtualMacParent">
    /// When the router's interface is its virtual MAC macvlan: the parent interface. The macvlan has no IPv4 address of
    /// its own, so IPv4 adverts leave it from the parent's primary address (as keepalived's do).
    /// </param>
    internal static IVrrpTransport CreateForRouter(VrrpRouterOptions router, ILoggerFactory? loggerFactory, TimeProvider? timeProvider, LinuxMetrics? metrics,
        string? virtualMacParent = null)
    {
        ArgumentNullException.ThrowIfNull(router);
        if (router.Vips is not { Count: > 0 } || router.Vips[0] is null)
        {
            throw new ArgumentException($"Router '{router.Name}' has no VIPs, so the address family of its transport is unknown.", nameof(router));
        }

        var options = new LinuxVrrpTransportOptions
        {
            InterfaceName = router.Interface,
            IsIPv6 = router.Vips[0].IsIPv6,
            SourceAddress = router.UnicastPeers.Count > 0 ? router.UnicastSource : null,
            StrictTtl = router.UnicastPeers.Count == 0 || router.StrictUnicastTtl,
        };
        foreach (var peer in router.UnicastPeers)
        {
            options.UnicastPeers.Add(peer);
        }

        foreach (var vip in router.Vips)
        {
            options.ExcludedSourceAddresses.Add(vip.Address);
        }

        if (virtualMacParent is not null && !options.IsIPv6 && options.SourceAddress is null)
        {
            options.SourceAddress = VrrpSourceAddress.Find(virtualMacParent, isIPv6: false, options.UnicastPeers, options.ExcludedSourceAddresses);
        }

        return Create(options, loggerFactory, timeProvider, metrics);
    }
}
