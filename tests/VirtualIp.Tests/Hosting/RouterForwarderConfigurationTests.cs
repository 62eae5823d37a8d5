using Microsoft.Extensions.Configuration;
using VirtualIp.Health;
using VirtualIp.Hosting;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Hosting;

/// <summary>
/// <c>VirtualIp:Routers:N:Forwarder</c> / <c>ForwarderWeight</c> (the configuration form of <c>WithForwarder</c>): read
/// onto the router; validation requires the forwarder's check (put there by VirtualIp.Balancing for a forwarder of that
/// name) and a weight in -253..0, and names the key otherwise.
/// </summary>
public sealed class RouterForwarderConfigurationTests
{
    private static Dictionary<string, string?> Config(params (string Key, string? Value)[] extra)
    {
        var d = new Dictionary<string, string?>
        {
            ["VirtualIp:Routers:0:Name"] = "web",
            ["VirtualIp:Routers:0:Interface"] = "eth0",
            ["VirtualIp:Routers:0:VirtualRouterId"] = "51",
            ["VirtualIp:Routers:0:Vips:0"] = "192.0.2.100/24",
        };
        foreach (var (k, v) in extra)
        {
            d[k] = v;
        }

        return d;
    }

    private static VirtualIpOptions Read(Dictionary<string, string?> config)
    {
        var options = new VirtualIpOptions();
        VirtualIpConfigurationReader.Read(new ConfigurationBuilder().AddInMemoryCollection(config).Build().GetSection("VirtualIp"), options);
        return options;
    }

    /// <summary>What VirtualIp.Balancing adds for a registered forwarder named <paramref name="forwarder"/>.</summary>
    private static void AddForwarderCheck(VirtualIpOptions o, string forwarder)
    {
        var e = new HealthCheckEntryOptions { Probe = HealthProbes.FromDelegate(_ => ValueTask.FromResult(ProbeResult.Success)) };
        e.Check.Name = VrrpRouterOptions.ForwarderCheckName(forwarder);
        o.Checks.Add(e);
    }

    [Fact]
    public void Forwarder_and_weight_are_read_onto_the_router_and_default_to_none_and_0()
    {
        var none = Read(Config());
        Assert.Null(none.Routers[0].Forwarder);
        Assert.Equal(0, none.Routers[0].ForwarderWeight);
        Assert.Empty(VirtualIpOptionsValidator.Check(none));

        var o = Read(Config(("VirtualIp:Routers:0:Forwarder", "web-443"), ("VirtualIp:Routers:0:ForwarderWeight", "-60")));
        Assert.Empty(o.ReadErrors);
        Assert.Equal(("web-443", -60), (o.Routers[0].Forwarder, o.Routers[0].ForwarderWeight));
        Assert.Equal("forwarder:web-443", VrrpRouterOptions.ForwarderCheckName("web-443"));

        // An empty value (e.g. an environment variable clearing the key) means none.
        Assert.Null(Read(Config(("VirtualIp:Routers:0:Forwarder", ""))).Routers[0].Forwarder);
    }

    [Fact]
    public void A_known_forwarder_validates()
    {
        var o = Read(Config(("VirtualIp:Routers:0:Forwarder", "web-443"), ("VirtualIp:Routers:0:ForwarderWeight", "-253")));
        AddForwarderCheck(o, "web-443");
        o.Routers[0].TrackChecks.Add(new VrrpTrackOptions { Name = "forwarder:web-443", Weight = -253 });
        Assert.Empty(VirtualIpOptionsValidator.Check(o));
    }

    [Theory]
    [InlineData("web-443", null, "VirtualIp:Routers:0:Forwarder = 'web-443' is not a configured forwarder (add it with AddVirtualIpForwarder")]
    [InlineData(" ", null, "VirtualIp:Routers:0:Forwarder = ' ' is not a configured forwarder")]
    [InlineData("cli", "10", "VirtualIp:Routers:0:ForwarderWeight = 10 is out of range -253..0")]
    [InlineData("cli", "-254", "VirtualIp:Routers:0:ForwarderWeight = -254 is out of range -253..0")]
    [InlineData(null, "-10", "VirtualIp:Routers:0:ForwarderWeight = -10 needs VirtualIp:Routers:0:Forwarder")]
    [InlineData("cli", "heavy", "VirtualIp:Routers:0:ForwarderWeight = 'heavy' is not a whole number")]
    public void Problems_are_named_with_their_key(string? forwarder, string? weight, string expected)
    {
        var o = Read(Config(("VirtualIp:Routers:0:Forwarder", forwarder), ("VirtualIp:Routers:0:ForwarderWeight", weight)));
        AddForwarderCheck(o, "cli");
        var errors = o.ReadErrors.Concat(VirtualIpOptionsValidator.Check(o)).ToList();
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }
}
