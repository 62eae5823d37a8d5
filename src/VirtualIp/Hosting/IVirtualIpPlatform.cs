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
}
