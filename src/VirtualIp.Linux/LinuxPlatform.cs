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
    public IVrrpTransport CreateTransport(VrrpRouterOptions router) => LinuxVrrpTransport.CreateForRouter(router, _loggers, _time, _metrics);

    /// <inheritdoc />
    public void Dispose() => _binder.Dispose();

    private sealed class SenderFactory(bool usePcap) : IFrameSenderFactory
    {
        public IFrameSender Create(string interfaceName) => usePcap ? new PcapFrameSender(interfaceName) : new AfPacketFrameSender(interfaceName);
    }
}
