using System.Runtime.Versioning;
using VirtualIp.Announcing;
using VirtualIp.Binding;
using VirtualIp.Election;
using VirtualIp.Hosting;
using VirtualIp.Vrrp;
using VirtualIp.Windows.Binding;
using VirtualIp.Windows.Npcap;

namespace VirtualIp.Windows;

/// <summary>
/// Windows: IP Helper API binding (SkipAsSource VIPs, ownership ledger for crash cleanup) and Npcap announcements.
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
    {
        Binder = new IpHelperVipBinder(new OwnershipLedger(ownershipLedgerPath ?? OwnershipLedger.DefaultPath));
    }

    /// <inheritdoc />
    public string Name => "windows";

    /// <inheritdoc />
    public IVipBinder Binder { get; }

    /// <inheritdoc />
    public IFrameSenderFactory FrameSenders { get; } = new SenderFactory();

    /// <inheritdoc />
    public IAddressWatcher? CreateAddressWatcher() => null;

    /// <inheritdoc />
    public IVrrpTransport CreateTransport(VrrpRouterOptions router) =>
        throw new PlatformNotSupportedException($"Router '{router?.Name}': VRRP on Windows is not implemented yet; run floating VIPs on Linux, or use static VIPs on Windows.");

    private sealed class SenderFactory : IFrameSenderFactory
    {
        public IFrameSender Create(string interfaceName) => new NpcapFrameSender(interfaceName);
    }
}
