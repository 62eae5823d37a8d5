using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VirtualIp.Addressing;
using VirtualIp.Balancing.Floating;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Balancing.Tests.Forwarding;
using VirtualIp.Hosting;

namespace VirtualIp.Balancing.Tests.Floating;

/// <summary><c>AddFloatingVip(...).WithForwarder(...)</c>: the listen address, FREEBIND, the tracked check, misuse.</summary>
public sealed class FloatingForwarderOptionsTests
{
    private static IHost Build(string vip, Action<ForwarderOptions> forwarder, int weight = 0)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddVirtualIp().AddFloatingVip(o =>
        {
            o.Name = "web";
            o.Interface = "eth0";
            o.VirtualRouterId = 51;
            o.Priority = 150;
            o.Vips.Add(VipAddress.Parse(vip));
        }).WithForwarder(forwarder, weight);
        return builder.Build();
    }

    [Theory]
    [InlineData("192.0.2.100/24", ":8080", "192.0.2.100:8080")]
    [InlineData("192.0.2.100/24", "0.0.0.0:8080", "192.0.2.100:8080")]
    [InlineData("2001:db8::100/64", "[::]:443", "[2001:db8::100]:443")]
    [InlineData("2001:db8::100/64", ":443", "[2001:db8::100]:443")]
    [InlineData("192.0.2.100/24", "127.0.0.1:9000", "127.0.0.1:9000")] // an explicit address is kept
    public void A_wildcard_listen_address_becomes_the_vip_bound_with_freebind(string vip, string listen, string expected)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "IP_FREEBIND is Linux; elsewhere the listen address stays as given");
        using var host = Build(vip, f =>
        {
            f.Listen = listen;
            f.Backends.Add(new ForwarderBackendOptions { Address = "198.51.100.10:8080" });
        });

        host.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();
        var f = host.Services.GetRequiredService<IOptionsMonitor<ForwarderOptions>>().Get("web");
        Assert.Equal(expected, f.Listen);
        Assert.True(f.FreeBind);
    }

    [Fact]
    public void The_router_tracks_the_forwarder_check_with_the_weight_and_the_forwarder_is_named_after_the_router()
    {
        using var host = Build("192.0.2.100/24", f =>
        {
            f.Listen = ":80";
            f.Backends.Add(new ForwarderBackendOptions { Address = "198.51.100.10:8080" });
        }, weight: -60);

        var o = host.Services.GetRequiredService<IOptionsMonitor<VirtualIpOptions>>().CurrentValue;
        var check = Assert.Single(o.Checks);
        Assert.Equal("forwarder:web", check.Check.Name);
        Assert.Equal(TimeSpan.FromMilliseconds(200), check.Check.Interval);
        Assert.Equal((1, 1), (check.Check.Rise, check.Check.Fall));
        Assert.Equal("web", Assert.IsType<ForwarderServingProbe>(check.Probe).Forwarder);
        var track = Assert.Single(Assert.Single(o.Routers).TrackChecks);
        Assert.Equal(("forwarder:web", -60), (track.Name, track.Weight));
    }

    [Fact]
    public void A_named_forwarder_added_apart_follows_the_vip_too()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "IP_FREEBIND is Linux");
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddVirtualIp().AddFloatingVip(o =>
        {
            o.Name = "lb";
            o.Interface = "eth0";
            o.VirtualRouterId = 51;
            o.Vips.Add(VipAddress.Parse("192.0.2.100/24"));
        }).WithForwarder("cli");
        builder.Services.AddVirtualIpForwarder(o =>
        {
            o.Name = "cli";
            o.Listen = "0.0.0.0:8080";
            o.Backends.Add(new ForwarderBackendOptions { Address = "198.51.100.10:8080" });
        });
        using var host = builder.Build();

        host.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();
        var f = host.Services.GetRequiredService<IOptionsMonitor<ForwarderOptions>>().Get("cli");
        Assert.Equal(("192.0.2.100:8080", true), (f.Listen, f.FreeBind));
        // One registry: the probe reads the one the hosted forwarders register in.
        var probe = Assert.IsType<ForwarderServingProbe>(host.Services.GetRequiredService<IOptionsMonitor<VirtualIpOptions>>().CurrentValue.Checks.Single().Probe);
        Assert.Same(host.Services.GetRequiredService<ForwarderRegistry>(), probe.Registry);
    }

    [Fact]
    public void Misuse_throws_naming_the_bad_value()
    {
        var services = new ServiceCollection();
        var unnamed = services.AddVirtualIp().AddFloatingVip(o => o.Interface = "eth0");
        Assert.Null(unnamed.RouterName);
        var ex = Assert.Throws<InvalidOperationException>(() => unnamed.WithForwarder("cli"));
        Assert.Contains("o.Name", ex.Message, StringComparison.Ordinal);

        var named = services.AddVirtualIp().AddFloatingVip(o => o.Name = "web");
        Assert.Equal("web", named.RouterName);
        var w = Assert.Throws<ArgumentOutOfRangeException>(() => named.WithForwarder("cli", weight: 10));
        Assert.Contains("-253 to 0", w.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => named.WithForwarder(" "));
    }

    [Theory]
    [InlineData(":80", true, 80)]
    [InlineData(":65535", true, 65535)]
    [InlineData(":0", false, 0)]
    [InlineData(":x", false, 0)]
    [InlineData("80", false, 0)]
    [InlineData(":+80", false, 0)]
    public void Port_only_listen_form(string text, bool ok, int port)
    {
        Assert.Equal(ok, FloatingListen.TryParsePortOnly(text, out int p));
        Assert.Equal(port, ok ? p : 0);
    }

    [Fact]
    public void Off_linux_a_port_only_listen_becomes_the_wildcard_without_freebind()
    {
        var o = new VirtualIpOptions();
        var r = new VirtualIp.Vrrp.VrrpRouterOptions { Name = "web" };
        r.Vips.Add(VipAddress.Parse("192.0.2.100/24"));
        o.Routers.Add(r);
        var f = ForwarderFixture.Options("198.51.100.10:80");
        f.Listen = ":80";

        FloatingListen.Apply(f, "web", o, linux: false);

        Assert.Equal(("0.0.0.0:80", false), (f.Listen, f.FreeBind));
    }
}
