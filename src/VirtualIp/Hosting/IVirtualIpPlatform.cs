using VirtualIp.Announcing;
using VirtualIp.Binding;
using VirtualIp.Election;
using VirtualIp.Vrrp;

namespace VirtualIp.Hosting;

/// <summary>
/// What an operating system package provides to the engine: binding, frame sending, address events and VRRP
/// transports. VirtualIp.Linux and VirtualIp.Windows implement it; tests and the demo use an in-memory one.
/// </summary>
public interface IVirtualIpPlatform
{
    /// <summary>A short name for logs ("linux", "windows", "simulated").</summary>
    string Name { get; }

    /// <summary>Adds and removes VIPs.</summary>
    IVipBinder Binder { get; }

    /// <summary>Opens raw frame senders for announcements.</summary>
    IFrameSenderFactory FrameSenders { get; }

    /// <summary>Creates a watcher for address and link events, or null if the platform has none.</summary>
    IAddressWatcher? CreateAddressWatcher();

    /// <summary>
    /// Opens a listener for ARP / Neighbor Advertisement claims on <paramref name="interfaceName"/> (VIP conflict
    /// detection), or null when the platform cannot (the default).
    /// </summary>
    INeighborClaimListener? CreateClaimListener(string interfaceName) => null;

    /// <summary>Opens the VRRP transport for a router's interface, family and peers.</summary>
    IVrrpTransport CreateTransport(VrrpRouterOptions router);

    /// <summary>
    /// Creates the virtual MAC interface of a router with <see cref="VrrpRouterOptions.UseVirtualMac"/> (keepalived
    /// <c>use_vmac</c>): an interface over <see cref="VrrpRouterOptions.Interface"/> with the MAC 00-00-5E-00-01-{VRID}
    /// (IPv4) or 00-00-5E-00-02-{VRID} (IPv6). The host then opens the router's transport, binds its VIPs and sends its
    /// announcements on the returned interface, so peers learn the virtual MAC, which moves with the master. One left
    /// by a crashed run of this platform is replaced. The default refuses: the platform has no virtual MAC.
    /// </summary>
    /// <param name="router">The router (Name, Interface, VirtualRouterId and the family of its VIPs are used).</param>
    /// <returns>The name of the interface created.</returns>
    /// <exception cref="PlatformNotSupportedException">The platform cannot create a virtual MAC interface.</exception>
    string CreateVirtualMac(VrrpRouterOptions router) =>
        throw new PlatformNotSupportedException($"Router '{router?.Name}': UseVirtualMac = true is not supported on the '{Name}' platform (it cannot create the 00-00-5E-00-01-{{VRID}} interface); remove it.");

    /// <summary>Removes an interface made by <see cref="CreateVirtualMac"/> once its router has stopped. The default does nothing.</summary>
    /// <param name="interfaceName">The name <see cref="CreateVirtualMac"/> returned.</param>
    void RemoveVirtualMac(string interfaceName)
    {
    }
}
