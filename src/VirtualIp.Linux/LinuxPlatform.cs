using System.Diagnostics.Metrics;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Announcing;
using VirtualIp.Binding;
using VirtualIp.Election;
using VirtualIp.Hosting;
using VirtualIp.Linux.Diagnostics;
using VirtualIp.Linux.Netlink;
using VirtualIp.Linux.Packet;
using VirtualIp.Linux.Pcap;
using VirtualIp.Linux.Vrrp;
using VirtualIp.Vrrp;

namespace VirtualIp.Linux;

/// <summary>
/// Linux: rtnetlink binding and events, AF_PACKET (or libpcap) announcements, raw protocol-112 sockets for VRRP.
/// Needs CAP_NET_ADMIN and CAP_NET_RAW.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class LinuxPlatform : IVirtualIpPlatform, IDisposable
{
    private readonly NetlinkVipBinder _binder;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;
    private readonly bool _usePcap;
    private readonly LinuxMetrics? _metrics;
    private readonly VirtualMacInterfaces _virtualMacs = new();

    /// <summary>Creates the platform.</summary>
    /// <param name="loggerFactory">Logging (optional).</param>
    /// <param name="timeProvider">The clock (optional).</param>
    public LinuxPlatform(ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
        : this(loggerFactory, timeProvider, usePcap: false)
    {
    }

    /// <summary>Creates the platform, sending announcements through libpcap instead of AF_PACKET when <paramref name="usePcap"/> is set.</summary>
    public LinuxPlatform(ILoggerFactory? loggerFactory, TimeProvider? timeProvider, bool usePcap)
        : this(loggerFactory, timeProvider, usePcap, meterFactory: null)
    {
    }

    /// <summary>The platform <c>UseLinux()</c> registers: its transports and watchers count on the host's meter factory.</summary>
    internal LinuxPlatform(ILoggerFactory? loggerFactory, TimeProvider? timeProvider, bool usePcap, IMeterFactory? meterFactory)
    {
        _metrics = meterFactory is null ? null : new LinuxMetrics(meterFactory);
        _loggers = loggerFactory ?? NullLoggerFactory.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _usePcap = usePcap;
        _binder = new NetlinkVipBinder(_loggers.CreateLogger<NetlinkVipBinder>());
        FrameSenders = new SenderFactory(usePcap);
    }

    /// <inheritdoc />
    public string Name => _usePcap ? "linux-pcap" : "linux";

    /// <inheritdoc />
    public IVipBinder Binder => _binder;

    /// <inheritdoc />
    public IFrameSenderFactory FrameSenders { get; }

    /// <inheritdoc />
    public IAddressWatcher? CreateAddressWatcher() => new NetlinkAddressWatcher(null, _loggers.CreateLogger<NetlinkAddressWatcher>()) { Metrics = _metrics };

    /// <inheritdoc />
    public INeighborClaimListener? CreateClaimListener(string interfaceName) =>
        AfPacketClaimListener.Create(interfaceName, _loggers.CreateLogger<AfPacketClaimListener>(), _time);

    /// <inheritdoc />
    public IVrrpTransport CreateTransport(VrrpRouterOptions router)
    {
        ArgumentNullException.ThrowIfNull(router);
        return LinuxVrrpTransport.CreateForRouter(router, _loggers, _time, _metrics, _virtualMacs.ParentOf(router.Interface));
    }

    /// <summary>
    /// Creates the router's virtual MAC as keepalived's <c>use_vmac</c> does: a private-mode macvlan named
    /// <c>vrrp.{VRID}</c> (IPv4) or <c>vrrp6.{VRID}</c> (IPv6; keepalived uses <c>vrrp.{VRID}</c> for both) over the router's interface, with MAC
    /// 00-00-5E-00-01-{VRID} / 00-00-5E-00-02-{VRID}, marked with the alias <c>virtualip-vmac</c> (a marked one left by
    /// a crashed run is deleted first; an unmarked one of that name is refused with EEXIST). On the macvlan
    /// arp_ignore=1 (IPv4 also accept_local=1, rp_filter=0, promote_secondaries=1) and no IPv6 link-local made from the
    /// shared MAC (IPv6 gets the parent's link-local instead); on the parent arp_ignore=1 and arp_filter=1 (IPv4), put
    /// back when its last virtual MAC is removed. Needs CAP_NET_ADMIN.
    /// </summary>
    /// <exception cref="VrrpTransportException">The kernel refused (errno and hint).</exception>
    public string CreateVirtualMac(VrrpRouterOptions router)
    {
        ArgumentNullException.ThrowIfNull(router);
        if (router.Vips is not { Count: > 0 } || router.Vips[0] is null || router.VirtualRouterId is < 1 or > 255)
        {
            throw new ArgumentException($"Router '{router.Name}' needs a VRID (1-255) and VIPs for a virtual MAC.", nameof(router));
        }

        return _virtualMacs.Create(router.Interface, (byte)router.VirtualRouterId, router.Vips[0].IsIPv6);
    }

    /// <inheritdoc />
    public void RemoveVirtualMac(string interfaceName) => _virtualMacs.Remove(interfaceName);

    /// <inheritdoc />
    public void Dispose()
    {
        _binder.Dispose();
        _virtualMacs.Dispose();
    }

    private sealed class SenderFactory(bool usePcap) : IFrameSenderFactory
    {
        public IFrameSender Create(string interfaceName) => usePcap ? new PcapFrameSender(interfaceName) : new AfPacketFrameSender(interfaceName);
    }
}
