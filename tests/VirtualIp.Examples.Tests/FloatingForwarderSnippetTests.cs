using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VirtualIp.Balancing;
using VirtualIp.Examples.Tests.Snippets;
using VirtualIp.Hosting;

namespace VirtualIp.Examples.Tests;

/// <summary>The README's <c>AddFloatingVip(...).WithForwarder(...)</c> builds a host whose options validate as described.</summary>
public sealed class FloatingForwarderSnippetTests
{
    [Fact]
    public void The_floating_forwarder_snippet_listens_on_the_vip_and_the_router_tracks_it()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        FloatingForwarderSnippets.WithForwarder(builder);
        using var host = builder.Build();

        host.Services.GetRequiredService<IStartupValidator>().Validate();
        var f = host.Services.GetRequiredService<IOptionsMonitor<ForwarderOptions>>().Get("web");
        var router = host.Services.GetRequiredService<IOptionsMonitor<VirtualIpOptions>>().CurrentValue.Routers.Single();
        Assert.Equal(("forwarder:web", 0), (router.TrackChecks.Single().Name, router.TrackChecks.Single().Weight));
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(("192.0.2.100:80", true), (f.Listen, f.FreeBind));
        }
        else
        {
            Assert.Equal(("0.0.0.0:80", false), (f.Listen, f.FreeBind));
        }
    }
}
