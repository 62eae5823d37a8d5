using System.Runtime.Versioning;
using VirtualIp.Addressing;
using VirtualIp.Hosting;
using VirtualIp.Vrrp;

namespace VirtualIp.Windows.Tests.Platform;

/// <summary>Windows has no macvlan: a router with <c>UseVirtualMac</c> is refused at start, naming the router and the key.</summary>
[SupportedOSPlatform("windows")] // constructing the platform touches no Windows API; the refusal runs anywhere
public sealed class WindowsPlatformVirtualMacTests : IDisposable
{
    private readonly string _ledgerPath = Path.Combine(Path.GetTempPath(), $"vip-ledger-{Guid.NewGuid():N}.txt");

    public void Dispose() => File.Delete(_ledgerPath);

    [Fact]
    public void UseVirtualMac_is_refused_by_name()
    {
        IVirtualIpPlatform platform = new WindowsPlatform(_ledgerPath);
        var router = new VrrpRouterOptions { Name = "web", Interface = "Ethernet", VirtualRouterId = 51, Vips = [VipAddress.Parse("192.0.2.100/24")], UseVirtualMac = true };
        var ex = Assert.Throws<PlatformNotSupportedException>(() => platform.CreateVirtualMac(router));
        Assert.Contains("Router 'web': UseVirtualMac = true is not supported on Windows", ex.Message, StringComparison.Ordinal);
    }
}
