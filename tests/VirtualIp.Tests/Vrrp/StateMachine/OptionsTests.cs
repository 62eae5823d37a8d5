using System.Net;
using Microsoft.Extensions.Options;
using VirtualIp.Addressing;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Vrrp.StateMachine;

public sealed class OptionsTests
{
    private static VrrpRouterOptions Valid() => Sim.Options("r", 100);

    [Fact]
    public void Defaults_are_valid_and_documented_values()
    {
        var o = new VrrpRouterOptions();
        Assert.Equal(100, o.Priority);
        Assert.Equal(VrrpVersion.V3, o.Version);
        Assert.Equal(TimeSpan.FromSeconds(1), o.AdvertisementInterval);
        Assert.True(o.Preempt);
        Assert.Equal(VrrpChecksumMode.WithPseudoHeader, o.ChecksumMode);
        Assert.Empty(VrrpRouterOptionsValidator.Validate(Valid()));
    }

    [Theory]
    [InlineData("Priority", "VirtualIp:Routers:0:Priority = 300 is out of range 1..255")]
    [InlineData("Priority0", "VirtualIp:Routers:0:Priority = 0 is out of range 1..255")]
    [InlineData("Vrid", "VirtualIp:Routers:0:VirtualRouterId = 256 is out of range 1..255")]
    [InlineData("Interval", "VirtualIp:Routers:0:AdvertisementInterval = 00:00:00.0050000 must be")]
    [InlineData("V2Interval", "VirtualIp:Routers:0:AdvertisementInterval = 00:00:00.5000000 must be whole seconds")]
    [InlineData("V2Ipv6", "VirtualIp:Routers:0:Version = V2 cannot carry IPv6")]
    [InlineData("Auth", "VirtualIp:Routers:0:AuthPassword is set but Version = V3")]
    [InlineData("AuthLong", "VirtualIp:Routers:0:AuthPassword must be 1..8 ASCII characters")]
    [InlineData("Mixed", "VirtualIp:Routers:0:Vips:1 = 2001:db8::100/64 is IPv6 but Vips:0 is IPv4")]
    [InlineData("NoVips", "VirtualIp:Routers:0:Vips is empty")]
    [InlineData("Name", "VirtualIp:Routers:0:Name is required")]
    [InlineData("Delay", "VirtualIp:Routers:0:PreemptDelay = 00:20:00 is out of range")]
    [InlineData("Peer", "VirtualIp:Routers:0:UnicastPeers:0 = 2001:db8::2 is not of the VIPs' family")]
    [InlineData("SourceFamily", "VirtualIp:Routers:0:UnicastSource = 2001:db8::1 is not of the VIPs' family")]
    [InlineData("SourceVip", "VirtualIp:Routers:0:UnicastSource = 192.0.2.100 is one of the router's VIPs")]
    [InlineData("SourceMulticast", "VirtualIp:Routers:0:UnicastSource = 224.0.0.18 is not a unicast")]
    [InlineData("SourceNoPeers", "VirtualIp:Routers:0:UnicastSource = 192.0.2.1 is set without UnicastPeers")]
    public void Validator_names_the_key_and_the_value(string what, string expected)
    {
        var o = Valid();
        switch (what)
        {
            case "Priority": o.Priority = 300; break;
            case "Priority0": o.Priority = 0; break;
            case "Vrid": o.VirtualRouterId = 256; break;
            case "Interval": o.AdvertisementInterval = TimeSpan.FromMilliseconds(5); break;
            case "V2Interval": o.Version = VrrpVersion.V2; o.AdvertisementInterval = TimeSpan.FromMilliseconds(500); break;
            case "V2Ipv6": o.Version = VrrpVersion.V2; o.Vips = [Sim.Vip6]; break;
            case "Auth": o.AuthPassword = "pw"; break;
            case "AuthLong": o.Version = VrrpVersion.V2; o.AuthPassword = "123456789"; break;
            case "Mixed": o.Vips = [Sim.Vip4, Sim.Vip6]; break;
            case "NoVips": o.Vips = []; break;
            case "Name": o.Name = ""; break;
            case "Delay": o.PreemptDelay = TimeSpan.FromMinutes(20); break;
            case "Peer": o.UnicastPeers = [IPAddress.Parse("2001:db8::2")]; break;
            case "SourceFamily": o.UnicastPeers = [IPAddress.Parse("192.0.2.2")]; o.UnicastSource = IPAddress.Parse("2001:db8::1"); break;
            case "SourceVip": o.UnicastPeers = [IPAddress.Parse("192.0.2.2")]; o.UnicastSource = Sim.Vip4.Address; break;
            case "SourceMulticast": o.UnicastPeers = [IPAddress.Parse("192.0.2.2")]; o.UnicastSource = IPAddress.Parse("224.0.0.18"); break;
            case "SourceNoPeers": o.UnicastSource = IPAddress.Parse("192.0.2.1"); break;
        }

        var errors = VrrpRouterOptionsValidator.Validate(o);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Factory_rejects_a_duplicate_vrid_on_one_interface_naming_both_keys()
    {
        var net = new SimulatedNetwork();
        var t = net.Attach(IPAddress.Parse("192.0.2.1"));
        var ex = Assert.Throws<OptionsValidationException>(() => VirtualRouterFactory.Create(
            [Sim.Options("a", 100), Sim.Options("b", 100, o => o.Vips = [VipAddress.Parse("192.0.2.101/24")])],
            _ => t, new FakeVipBinder()));
        Assert.Contains("VirtualIp:Routers:1:VirtualRouterId = 51 is already used by VirtualIp:Routers:0", ex.Message);
    }

    [Fact]
    public void Factory_rejects_a_transport_of_the_wrong_family()
    {
        var net = new SimulatedNetwork();
        var t = net.Attach(IPAddress.Parse("2001:db8::1"));
        Assert.Throws<ArgumentException>(() => VirtualRouterFactory.Create(Sim.Options("a", 100), t, new FakeVipBinder()));
    }

    [Fact]
    public async Task Public_factory_builds_a_working_router_and_statistics_are_reachable()
    {
        var net = new SimulatedNetwork();
        var t = net.Attach(IPAddress.Parse("192.0.2.1"));
        var router = VirtualRouterFactory.Create(Sim.Options("a", 255), t, new FakeVipBinder(), new FakeAnnouncer(), net.Time);
        await router.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal(VirtualIp.Election.VrrpState.Master, router.State);
        Assert.Equal(1, router.GetStatistics().AdvertisementsSent);
        Assert.Equal("a", router.Name);
        Assert.Equal(51, router.VirtualRouterId);
        Assert.False(router.IsIPv6);
        Assert.Equal("sim0", router.InterfaceName);
    }
}
