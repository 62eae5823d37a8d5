using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VirtualIp.Addressing;
using VirtualIp.Balancing;

namespace VirtualIp.Examples.Tests.Snippets;

/// <summary>The floating-VIP forwarder of src/VirtualIp.Balancing/README.md, compiled here and run by <see cref="FloatingForwarderSnippetTests"/>.</summary>
internal static class FloatingForwarderSnippets
{
    public static void WithForwarder(HostApplicationBuilder builder)
    {
        #region snippet
        builder.Services.AddVirtualIp()
            .AddFloatingVip(o =>
            {
                o.Name = "web";
                o.Interface = "eth0";
                o.VirtualRouterId = 51;
                o.Priority = 150;
                o.AdvertisementInterval = TimeSpan.FromMilliseconds(100);
                o.Vips.Add(VipAddress.Parse("192.0.2.100/24"));
            })
            .WithForwarder(f =>
            {
                f.Listen = ":80";   // the VIP's address, port 80 (IP_FREEBIND: every node listens, the master receives)
                f.Backends.Add(new ForwarderBackendOptions { Address = "198.51.100.10:8080" });
                f.Backends.Add(new ForwarderBackendOptions { Address = "198.51.100.11:8080" });
            });                     // no backend available here => this node goes to Fault => the VIP moves
        #endregion
    }
}
