using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Announcing;
using VirtualIp.Binding;
using VirtualIp.Election;
using VirtualIp.Hosting;
using VirtualIp.Vrrp;
using VirtualIp.Windows.Binding;
using VirtualIp.Windows.Npcap;
using VirtualIp.Windows.Watching;

namespace VirtualIp.Windows;

/// <summary>
/// Windows: IP Helper API binding (SkipAsSource VIPs, ownership ledger for crash cleanup), Npcap announcements and an
/// IP Helper address watcher.
/// VRRP transport on Windows is not available yet: static VIPs work, floating VIPs need Linux for now.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed class WindowsPlatform : IVirtualIpPlatform
{
    /// <summary>Creates the platform with the default ownership ledger path.</summary>
    public WindowsPlatform()
        : this(null)
    {
    }

    /// <summary>Creates the platform recording owned addresses in <paramref name="ownershipLedgerPath"/>.</summary>
    public WindowsPlatform(string? ownershipLedgerPath)
        : this(ownershipLedgerPath, null)
    {
    }

    /// <summary>Creates the platform recording owned addresses in <paramref name="ownershipLedgerPath"/>, logging to <paramref name="loggerFactory"/>.</summary>
    public WindowsPlatform(string? ownershipLedgerPath, ILoggerFactory? loggerFactory)
    {
        Binder = new IpHelperVipBinder(new OwnershipLedger(ownershipLedgerPath ?? OwnershipLedger.DefaultPath));
        _loggers = loggerFactory ?? NullLoggerFactory.Instance;
    }

    private readonly ILoggerFactory _loggers;

    /// <inheritdoc />
    public string Name => "windows";

    /// <inheritdoc />
    public IVipBinder Binder { get; }

    /// <inheritdoc />
    public IFrameSenderFactory FrameSenders { get; } = new SenderFactory();

    /// <summary>
    /// An IP Helper notification watcher (<c>NotifyUnicastIpAddressChange</c> and <c>NotifyIpInterfaceChange</c>), so
    /// <c>TrackInterface</c> and <c>RestoreDeletedVips</c> work as on Linux.
    /// </summary>
    public IAddressWatcher? CreateAddressWatcher() => new WindowsAddressWatcher(_loggers.CreateLogger<WindowsAddressWatcher>());

    /// <inheritdoc />
    public IVrrpTransport CreateTransport(VrrpRouterOptions router) =>
        throw new PlatformNotSupportedException($"Router '{router?.Name}': VRRP on Windows is not implemented yet; run floating VIPs on Linux, or use static VIPs on Windows.");

    /// <summary>Refuses: Windows has no macvlan, so a router with <c>UseVirtualMac = true</c> cannot start here.</summary>
    /// <exception cref="PlatformNotSupportedException">Always, naming the router and the key.</exception>
    public string CreateVirtualMac(VrrpRouterOptions router) =>
        throw new PlatformNotSupportedException($"Router '{router?.Name}': UseVirtualMac = true is not supported on Windows (no macvlan to carry 00-00-5E-00-01-{{VRID}}); remove it, or run this router on Linux.");

    private sealed class SenderFactory : IFrameSenderFactory
    {
        public IFrameSender Create(string interfaceName) => new NpcapFrameSender(interfaceName);
    }
}
