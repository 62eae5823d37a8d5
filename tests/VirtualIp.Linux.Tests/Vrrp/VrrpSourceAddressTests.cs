using System.Net;
using VirtualIp.Linux.Vrrp;

namespace VirtualIp.Linux.Tests.Vrrp;

/// <summary>The default advert source: the node's own address, never a VIP (issue: unicast IPv6 adverts left from the VIP).</summary>
public sealed class VrrpSourceAddressTests
{
    private static readonly IPAddress[] NoPeers = [];

    private static IPAddress[] Addresses(params string[] addresses) => addresses.Select(IPAddress.Parse).ToArray();

    [Fact]
    public void Ipv6_unicast_to_a_global_peer_leaves_from_the_nodes_global_address_not_the_vip()
    {
        // The kernel's source selection would pick the VIP here (same prefix, added last: RFC 6724 rule 8 ties).
        var chosen = VrrpSourceAddress.Choose(
            Addresses("2001:db8::100", "fe80::1", "2001:db8::12"), isIPv6: true,
            [IPAddress.Parse("2001:db8::11")], [IPAddress.Parse("2001:db8::100")]);
        Assert.Equal(IPAddress.Parse("2001:db8::12"), chosen);
    }

    [Fact]
    public void Ipv6_multicast_and_link_local_peers_use_the_link_local_address()
    {
        var addresses = Addresses("2001:db8::12", "fe80::1");
        Assert.Equal(IPAddress.Parse("fe80::1"), VrrpSourceAddress.Choose(addresses, true, NoPeers, []));
        Assert.Equal(IPAddress.Parse("fe80::1"), VrrpSourceAddress.Choose(addresses, true, [IPAddress.Parse("fe80::2")], []));
    }

    [Fact]
    public void Ipv4_skips_a_vip_left_first_on_the_interface()
    {
        var chosen = VrrpSourceAddress.Choose(
            Addresses("192.0.2.100", "2001:db8::12", "192.0.2.12"), isIPv6: false,
            [IPAddress.Parse("192.0.2.11")], [IPAddress.Parse("192.0.2.100")]);
        Assert.Equal(IPAddress.Parse("192.0.2.12"), chosen);
    }

    [Fact]
    public void Only_vips_means_no_source()
    {
        Assert.Null(VrrpSourceAddress.Choose(Addresses("192.0.2.100"), false, NoPeers, [IPAddress.Parse("192.0.2.100")]));
    }
}
