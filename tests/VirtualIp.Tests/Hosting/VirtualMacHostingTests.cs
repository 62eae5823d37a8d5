using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VirtualIp.Addressing;
using VirtualIp.Hosting;
using VirtualIp.Simulation;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Hosting;

/// <summary>
/// <c>UseVirtualMac</c> is no longer refused by validation: the host asks the platform for the interface
/// (<see cref="IVirtualIpPlatform.CreateVirtualMac"/>) and runs the router on it; a platform without one refuses at start.
/// </summary>
public sealed class VirtualMacHostingTests
{
    [Fact]
    public async Task A_platform_without_virtual_mac_refuses_the_router_at_start_by_name()
    {
        var node = new SimulatedLan().AddNode("n1", IPAddress.Parse("192.0.2.11"), MacAddress.Parse("02:00:00:00:00:01"));
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VirtualIp:Routers:0:Name"] = "web",
            ["VirtualIp:Routers:0:Interface"] = SimulatedNode.InterfaceName,
            ["VirtualIp:Routers:0:VirtualRouterId"] = "51",
            ["VirtualIp:Routers:0:Vips:0"] = "192.0.2.100/24",
            ["VirtualIp:Routers:0:UseVirtualMac"] = "true",
        });
        builder.Services.AddVirtualIp(builder.Configuration.GetSection("VirtualIp")).UsePlatform(node);
        using var host = builder.Build();
        var ex = await Assert.ThrowsAsync<PlatformNotSupportedException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("Router 'web': UseVirtualMac = true is not supported on the 'simulated' platform", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_router_runs_on_the_virtual_mac_interface_and_reload_compares_the_configured_one()
    {
        var configured = VrrpRouterConfiguration.FromValidated(new VrrpRouterOptions
        {
            Name = "web", Interface = "eth0", VirtualRouterId = 51, Vips = [VipAddress.Parse("192.0.2.100/24")], UseVirtualMac = true, RemoveStaleAddressesOnStart = false,
        });
        var running = VirtualMacs.On(configured, "vrrp.51");
        Assert.Equal("vrrp.51", running.Interface);
        Assert.Equal("eth0", configured.Interface);
        Assert.Equal(configured.VirtualRouterId, running.VirtualRouterId);
        Assert.Equal(configured.Vips, running.Vips);
        Assert.False(running.RemoveStaleAddressesOnStart);
        Assert.Same(configured, VirtualMacs.On(configured, null));
    }
}
