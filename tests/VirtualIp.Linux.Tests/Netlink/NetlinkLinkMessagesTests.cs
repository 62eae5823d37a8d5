using System.Buffers.Binary;
using VirtualIp.Addressing;
using VirtualIp.Linux.Netlink;

namespace VirtualIp.Linux.Tests.Netlink;

public sealed class NetlinkLinkMessagesTests
{
    [Fact]
    public void New_macvlan_request_is_byte_exact()
    {
        // What `ip link add link <ifindex 2> name vrrp.51 address 00:00:5e:00:01:33 type macvlan mode private` sends
        // (iproute2 puts the same attributes in the same nesting; the link is created down).
        byte[] expected = Convert.FromHexString(
            "5C000000" + "1000" + "0506" + "07000000" + "00000000" +          // nlmsghdr: 92 bytes, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 7
            "00000000" + "00000000" + "00000000" + "00000000" +              // ifinfomsg: AF_UNSPEC, index 0, flags 0, change 0
            "0C00" + "0300" + "767272702E353100" +                            // IFLA_IFNAME "vrrp.51\0"
            "0800" + "0500" + "02000000" +                                    // IFLA_LINK 2
            "0A00" + "0100" + "00005E000133" + "0000" +                       // IFLA_ADDRESS 00:00:5e:00:01:33 + padding
            "1C00" + "1280" +                                                 // IFLA_LINKINFO (nested), 28 bytes
            "0C00" + "0100" + "6D6163766C616E00" +                            //   IFLA_INFO_KIND "macvlan\0"
            "0C00" + "0280" +                                                 //   IFLA_INFO_DATA (nested), 12 bytes
            "0800" + "0100" + "01000000");                                    //     IFLA_MACVLAN_MODE private (1)
        var buffer = new byte[256];
        var msg = NetlinkLinkMessages.WriteNewMacvlan(buffer, 7, "vrrp.51", 2, MacAddress.ForVirtualRouter(51), Nl.MACVLAN_MODE_PRIVATE);
        Assert.Equal(expected, msg.ToArray());
    }

    [Fact]
    public void Delete_request_names_the_link()
    {
        var msg = NetlinkLinkMessages.WriteDeleteLink(new byte[128], 9, "vrrp.51").ToArray();
        Assert.Equal(Convert.FromHexString("2C000000" + "1100" + "0500" + "09000000" + "00000000" + new string('0', 32)
            + "0C00" + "0300" + "767272702E353100"), msg);
    }

    [Fact]
    public void Set_link_up_with_alias()
    {
        var msg = NetlinkLinkMessages.WriteSetLink(new byte[128], 3, index: 12, up: true, alias: "virtualip-vmac").ToArray();
        Assert.Equal(Nl.RTM_NEWLINK, BinaryPrimitives.ReadUInt16LittleEndian(msg.AsSpan(4)));
        Assert.Equal(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, BinaryPrimitives.ReadUInt16LittleEndian(msg.AsSpan(6)));
        Assert.Equal(12, BinaryPrimitives.ReadInt32LittleEndian(msg.AsSpan(20)));
        Assert.Equal(Nl.IFF_UP, BinaryPrimitives.ReadUInt32LittleEndian(msg.AsSpan(24)));
        Assert.Equal(Nl.IFF_UP, BinaryPrimitives.ReadUInt32LittleEndian(msg.AsSpan(28)));
        Assert.Equal(Convert.FromHexString("1300" + "1400") , msg.AsSpan(32, 4).ToArray()); // IFLA_IFALIAS, 4 + 15
        Assert.Equal("virtualip-vmac\0"u8.ToArray(), msg.AsSpan(36, 15).ToArray());
    }

    [Fact]
    public void Set_conf_nests_af_spec_inet_conf_and_inet6_addr_gen_mode()
    {
        var msg = NetlinkLinkMessages.WriteSetConf(new byte[256], 4, index: 12,
            [new(Nl.IPV4_DEVCONF_ARP_IGNORE, 1), new(Nl.IPV4_DEVCONF_RP_FILTER, 0)], noIPv6LinkLocal: true).ToArray();
        byte[] expected = Convert.FromHexString(
            "2800" + "1A80" +                 // IFLA_AF_SPEC, 40 bytes
            "1800" + "0280" +                 //   AF_INET, 24 bytes
            "1400" + "0180" +                 //     IFLA_INET_CONF, 20 bytes
            "0800" + "1300" + "01000000" +    //       arp_ignore = 1
            "0800" + "0800" + "00000000" +    //       rp_filter = 0
            "0C00" + "0A80" +                 //   AF_INET6, 12 bytes
            "0500" + "0800" + "01000000");    //     IFLA_INET6_ADDR_GEN_MODE none (+ padding)
        Assert.Equal(expected, msg[32..]);
        Assert.Equal(12, BinaryPrimitives.ReadInt32LittleEndian(msg.AsSpan(20)));
    }

    [Fact]
    public void Reads_an_ipv4_setting_from_a_link_reply()
    {
        var payload = LinkReply(arpIgnore: 2, arpFilter: 1);
        Assert.True(NetlinkLinkMessages.TryReadIPv4Conf(payload, Nl.IPV4_DEVCONF_ARP_IGNORE, out var ignore));
        Assert.Equal(2u, ignore);
        Assert.True(NetlinkLinkMessages.TryReadIPv4Conf(payload, Nl.IPV4_DEVCONF_ARPFILTER, out var filter));
        Assert.Equal(1u, filter);
        Assert.False(NetlinkLinkMessages.TryReadIPv4Conf(payload, 200, out _));
        Assert.False(NetlinkLinkMessages.TryReadIPv4Conf(payload, 0, out _));
    }

    [Fact]
    public void Hostile_link_replies_never_throw()
    {
        var good = LinkReply(1, 1);
        var rng = new Random(26);
        for (var i = 0; i < 20_000; i++)
        {
            var b = good.ToArray();
            for (var k = rng.Next(1, 6); k > 0; k--)
            {
                b[rng.Next(b.Length)] = (byte)rng.Next(256);
            }

            _ = NetlinkLinkMessages.TryReadIPv4Conf(b.AsSpan(0, rng.Next(b.Length + 1)), Nl.IPV4_DEVCONF_ARP_IGNORE, out _);
        }

        Assert.False(NetlinkLinkMessages.TryReadIPv4Conf([], Nl.IPV4_DEVCONF_ARP_IGNORE, out _));
    }

    /// <summary>An RTM_NEWLINK payload: ifinfomsg, IFLA_IFNAME, IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF [u32 × 32] } } (unflagged, as the kernel dumps it).</summary>
    private static byte[] LinkReply(uint arpIgnore, uint arpFilter)
    {
        var conf = new byte[32 * 4];
        BinaryPrimitives.WriteUInt32LittleEndian(conf.AsSpan((Nl.IPV4_DEVCONF_ARP_IGNORE - 1) * 4), arpIgnore);
        BinaryPrimitives.WriteUInt32LittleEndian(conf.AsSpan((Nl.IPV4_DEVCONF_ARPFILTER - 1) * 4), arpFilter);
        var inetConf = Attr(1, conf);
        var inet = Attr(2, inetConf);
        var spec = Attr(26, inet);
        return [.. new byte[16], .. Attr(3, "eth0\0"u8.ToArray()), .. spec];
    }

    private static byte[] Attr(ushort type, byte[] value)
    {
        var b = new byte[(4 + value.Length + 3) & ~3];
        BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), type);
        value.CopyTo(b, 4);
        return b;
    }
}
