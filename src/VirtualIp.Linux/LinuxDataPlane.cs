using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using VirtualIp.Announcing;
using VirtualIp.Binding;
using VirtualIp.Linux.Netlink;
using VirtualIp.Linux.Packet;
using VirtualIp.Linux.Pcap;

namespace VirtualIp.Linux;

/// <summary>
/// Creates the Linux implementations of the data-plane contracts: an rtnetlink <see cref="IVipBinder"/>, an
/// rtnetlink <see cref="IAddressWatcher"/> and raw-Ethernet <see cref="IFrameSender"/>s.
/// </summary>
/// <remarks>
/// Every object works in the network namespace of the thread that creates it (the binder and senders at creation,
/// the watcher at <see cref="IAddressWatcher.StartAsync"/>). The binder and senders are <see cref="IDisposable"/>.
/// Binding needs CAP_NET_ADMIN, sending frames needs CAP_NET_RAW.
/// </remarks>
[SupportedOSPlatform("linux")]
public static class LinuxDataPlane
{
    /// <summary>
    /// Creates a binder that talks rtnetlink directly (no child processes). Addresses it adds carry the ownership
    /// mark IFA_PROTO = 0x56 (Linux 5.18+), which <see cref="IVipBinder.RemoveStaleAsync"/> relies on.
    /// The result also implements <see cref="IDisposable"/>.
    /// </summary>
    /// <exception cref="VipBindingException">The netlink socket could not be opened.</exception>
    public static IVipBinder CreateBinder() => new NetlinkVipBinder();

    /// <summary>Creates an address/link watcher over an rtnetlink event socket.</summary>
    /// <param name="loggerFactory">Where overflows and handler failures are logged; null for none.</param>
    public static IAddressWatcher CreateWatcher(ILoggerFactory? loggerFactory = null) =>
        new NetlinkAddressWatcher(null, loggerFactory?.CreateLogger<NetlinkAddressWatcher>());

    /// <summary>Opens a frame sender on <paramref name="interfaceName"/>.</summary>
    /// <param name="interfaceName">The interface, e.g. "eth0".</param>
    /// <param name="useLibPcap">Use libpcap (SharpPcap) instead of an AF_PACKET socket; needs libpcap0.8.</param>
    /// <exception cref="FrameSenderException">The interface is unknown, CAP_NET_RAW is missing, or libpcap is not installed.</exception>
    public static IFrameSender CreateFrameSender(string interfaceName, bool useLibPcap = false) =>
        useLibPcap ? new PcapFrameSender(interfaceName) : new AfPacketFrameSender(interfaceName);
}
