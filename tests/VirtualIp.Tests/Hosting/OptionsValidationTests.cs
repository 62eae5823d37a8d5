using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VirtualIp.Hosting;

namespace VirtualIp.Tests.Hosting;

/// <summary>Every invalid option stops the host at start with a message naming its key and value.</summary>
public sealed class OptionsValidationTests
{
    private static OptionsValidationException StartFails(Dictionary<string, string?> config)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddVirtualIp(builder.Configuration.GetSection("VirtualIp"))
            .UsePlatform(new VirtualIp.Simulation.SimulatedLan().AddNode("n", System.Net.IPAddress.Parse("192.0.2.11"), VirtualIp.Addressing.MacAddress.Parse("02:00:00:00:00:01")));
        using var host = builder.Build();
        return Assert.Throws<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult());
    }

    private static Dictionary<string, string?> Valid() => new()
    {
        ["VirtualIp:Routers:0:Name"] = "web",
        ["VirtualIp:Routers:0:Interface"] = "eth0",
        ["VirtualIp:Routers:0:VirtualRouterId"] = "51",
        ["VirtualIp:Routers:0:Vips:0"] = "192.0.2.100/24",
    };

    [Fact]
    public void UseVirtualMac_true_is_valid_configuration_the_platform_acts_on()
    {
        var config = Valid();
        config["VirtualIp:Routers:0:UseVirtualMac"] = "true";
        var section = new ConfigurationBuilder().AddInMemoryCollection(config).Build().GetSection("VirtualIp");
        var options = new VirtualIpOptions();
        VirtualIpConfigurationReader.Read(section, options);
        Assert.Empty(options.ReadErrors);
        Assert.Empty(VirtualIpOptionsValidator.Check(options));
        Assert.True(options.Routers[0].UseVirtualMac);
    }

    [Fact]
    public void AcceptMode_true_and_UseVirtualMac_false_are_tolerated_with_no_effect()
    {
        var config = Valid();
        config["VirtualIp:Routers:0:AcceptMode"] = "true";
        config["VirtualIp:Routers:0:UseVirtualMac"] = "false";
        var section = new ConfigurationBuilder().AddInMemoryCollection(config).Build().GetSection("VirtualIp");
        var options = new VirtualIpOptions();
        VirtualIpConfigurationReader.Read(section, options);
        Assert.Empty(options.ReadErrors);
        Assert.Empty(VirtualIpOptionsValidator.Check(options));
        Assert.False(options.Routers[0].UseVirtualMac);
    }

    [Theory]
    [InlineData("VirtualIp:Routers:0:Priority", "300", "VirtualIp:Routers:0:Priority = 300")]
    [InlineData("VirtualIp:Routers:0:Priority", "high", "VirtualIp:Routers:0:Priority = 'high' is not a whole number")]
    [InlineData("VirtualIp:Routers:0:VirtualRouterId", "0", "VirtualIp:Routers:0:VirtualRouterId = 0")]
    [InlineData("VirtualIp:Routers:0:AdvertisementInterval", "soon", "VirtualIp:Routers:0:AdvertisementInterval = 'soon' is not a duration")]
    [InlineData("VirtualIp:Routers:0:AdvertisementInterval", "0s", "VirtualIp:Routers:0:AdvertisementInterval")]
    [InlineData("VirtualIp:Routers:0:Version", "4", "VirtualIp:Routers:0:Version = '4' is not one of V2, V3")]
    [InlineData("VirtualIp:Routers:0:Vips:1", "192.0.2.300/24", "VirtualIp:Routers:0:Vips:1 = '192.0.2.300/24' is not a VIP")]
    [InlineData("VirtualIp:Routers:0:UnicastPeers:0", "peer", "VirtualIp:Routers:0:UnicastPeers:0 = 'peer' is not an IP address")]
    [InlineData("VirtualIp:Routers:0:Preempt", "maybe", "VirtualIp:Routers:0:Preempt = 'maybe' is not true or false")]
    [InlineData("VirtualIp:Routers:0:AcceptMode", "false", "VirtualIp:Routers:0:AcceptMode = false is not supported")]
    [InlineData("VirtualIp:Routers:0:AuthHmac:Keys:0", "1:short", "VirtualIp:Routers:0:AuthHmac:Keys:0: key 1 is 5 bytes; it must be 32 to 64 bytes")]
    [InlineData("VirtualIp:Routers:0:AuthHmac:Mode", "strict", "VirtualIp:Routers:0:AuthHmac:Mode = 'strict' is not one of")]
    [InlineData("VirtualIp:Announcements:BurstCount", "0", "VirtualIp:Announcements:BurstCount = 0 is out of range 1..100")]
    [InlineData("VirtualIp:Announcements:ArpMode", "Shout", "VirtualIp:Announcements:ArpMode = 'Shout' is not one of")]
    [InlineData("VirtualIp:Checks:0:Target", "ftp://x", "VirtualIp:Checks:0:Target = 'ftp://x' is not a check")]
    [InlineData("VirtualIp:Checks:0:Weight", "300", "VirtualIp:Checks:0:Weight = 300 is out of range -253..253")]
    [InlineData("VirtualIp:StaticVips:0:Vips:0", "192.0.2.50/24", "VirtualIp:StaticVips:0:Interface is required")]
    [InlineData("VirtualIp:Pools:0:Ranges:0", "192.0.2.20-192.0.2.10", "VirtualIp:Pools:0: Pool 'pool0': range '192.0.2.20-192.0.2.10' ends before it starts")]
    public void Invalid_values_are_named(string key, string value, string expected)
    {
        var config = Valid();
        config[key] = value;
        if (key.StartsWith("VirtualIp:Checks:0", StringComparison.Ordinal))
        {
            config["VirtualIp:Checks:0:Name"] = "c";
        }

        var ex = StartFails(config);
        Assert.Contains(ex.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Tracking_must_name_known_routers_and_checks()
    {
        var config = Valid();
        config["VirtualIp:Tracking:0:Router"] = "db";
        config["VirtualIp:Tracking:0:Check"] = "nope";
        config["VirtualIp:Tracking:0:Weight"] = "400";
        var ex = StartFails(config);
        Assert.Contains(ex.Failures, f => f.Contains("VirtualIp:Tracking:0:Router = 'db' is not a configured router", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("VirtualIp:Tracking:0:Check = 'nope' is not a configured check", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("VirtualIp:Tracking:0:Weight = 400 is out of range -253..253", StringComparison.Ordinal));
    }

    [Fact]
    public void Tracking_written_apart_from_the_router_lands_on_the_routers_options()
    {
        var config = Valid();
        config["VirtualIp:Checks:0:Name"] = "app";
        config["VirtualIp:Checks:0:Target"] = "exec:true";
        config["VirtualIp:Routers:0:TrackChecks:0:Check"] = "app";
        config["VirtualIp:Routers:0:TrackChecks:0:Weight"] = "-10";
        config["VirtualIp:Tracking:0:Router"] = "web";
        config["VirtualIp:Tracking:0:Interface"] = "eth1";
        config["VirtualIp:Tracking:0:Weight"] = "-20";
        var options = new VirtualIpOptions();
        VirtualIpConfigurationReader.Read(new ConfigurationBuilder().AddInMemoryCollection(config).Build().GetSection("VirtualIp"), options);
        Assert.Empty(options.ReadErrors);
        var router = Assert.Single(options.Routers);
        var check = Assert.Single(router.TrackChecks);
        Assert.Equal(("app", -10), (check.Name, check.Weight));
        var iface = Assert.Single(router.TrackInterfaces);
        Assert.Equal(("eth1", -20), (iface.Name, iface.Weight));
        Assert.Empty(VirtualIpOptionsValidator.Check(options));
    }

    [Fact]
    public void Duplicate_vrid_on_one_interface_is_named()
    {
        var config = Valid();
        config["VirtualIp:Routers:1:Name"] = "api";
        config["VirtualIp:Routers:1:Interface"] = "eth0";
        config["VirtualIp:Routers:1:VirtualRouterId"] = "51";
        config["VirtualIp:Routers:1:Vips:0"] = "192.0.2.101/24";
        var ex = StartFails(config);
        Assert.Contains(ex.Failures, f => f.Contains("VirtualIp:Routers:1:VirtualRouterId = 51 is already used by VirtualIp:Routers:0", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("20ms", 20)]
    [InlineData("1s", 1000)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m", 120000)]
    [InlineData("00:00:05", 5000)]
    [InlineData("3", 3000)]
    public void Durations_parse_as_people_write_them(string text, int ms) => Assert.Equal(TimeSpan.FromMilliseconds(ms), Durations.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("-1s")]
    [InlineData("fast")]
    [InlineData("1 fortnight")]
    public void Bad_durations_are_rejected(string text) => Assert.False(Durations.TryParse(text, out _));
}
