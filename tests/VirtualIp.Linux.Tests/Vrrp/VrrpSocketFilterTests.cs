using System.Buffers.Binary;
using VirtualIp.Linux.Vrrp;

namespace VirtualIp.Linux.Tests.Vrrp;

/// <summary>
/// The classic BPF program of the VRRP socket, run by a small interpreter with the kernel's raw-socket views
/// (IPv4: data at the IP header; IPv6: data at the VRRP header, IP fields through SKF_NET_OFF).
/// Attack stopped: a flood of junk woke the receive loop and reached the engine packet by packet.
/// </summary>
public sealed class VrrpSocketFilterTests
{
    private static byte[] V4(byte ttl = 255, byte protocol = 112, byte first = 0x31, byte vrid = 51, int ihl = 5)
    {
        var p = new byte[(ihl * 4) + 12];
        p[0] = (byte)(0x40 | ihl);
        p[8] = ttl;
        p[9] = protocol;
        p[ihl * 4] = first;
        p[(ihl * 4) + 1] = vrid;
        return p;
    }

    private static byte[] V6(byte hops = 255, byte next = 112, byte first = 0x31, byte vrid = 52)
    {
        var p = new byte[40 + 24];
        p[0] = 0x60;
        p[6] = next;
        p[7] = hops;
        p[40] = first;
        p[41] = vrid;
        return p;
    }

    [Fact]
    public void IPv4_accepts_only_protocol_112_ttl_255_adverts_for_our_vrids()
    {
        var f = VrrpSocketFilter.Build(isIPv6: false, strictTtl: true, [51, 53]);
        Assert.True(VrrpSocketFilter.Run(f, V4(), false));
        Assert.True(VrrpSocketFilter.Run(f, V4(vrid: 53), false));
        Assert.True(VrrpSocketFilter.Run(f, V4(first: 0x21), false));       // VRRPv2 advert
        Assert.True(VrrpSocketFilter.Run(f, V4(ihl: 6), false));            // IP options: VRRP header found after them
        Assert.False(VrrpSocketFilter.Run(f, V4(vrid: 52), false));          // another VRID
        Assert.False(VrrpSocketFilter.Run(f, V4(ttl: 254), false));          // TTL 254 (RFC 9568 7.1)
        Assert.False(VrrpSocketFilter.Run(f, V4(protocol: 17), false));
        Assert.False(VrrpSocketFilter.Run(f, V4(first: 0x32), false));       // type 2
        Assert.False(VrrpSocketFilter.Run(f, V4(first: 0x41), false));       // version 4
        Assert.False(VrrpSocketFilter.Run(f, V4(first: 0x01), false));       // version 0
        Assert.False(VrrpSocketFilter.Run(f, V4().AsSpan(0, 21), false));     // truncated
    }

    [Fact]
    public void IPv6_accepts_only_next_header_112_hop_limit_255_adverts_for_our_vrids()
    {
        var f = VrrpSocketFilter.Build(isIPv6: true, strictTtl: true, [52]);
        Assert.True(VrrpSocketFilter.Run(f, V6(), true));
        Assert.False(VrrpSocketFilter.Run(f, V6(vrid: 51), true));
        Assert.False(VrrpSocketFilter.Run(f, V6(hops: 1), true));
        Assert.False(VrrpSocketFilter.Run(f, V6(next: 0), true));            // hop-by-hop header in front
        Assert.False(VrrpSocketFilter.Run(f, V6(first: 0x3F), true));
    }

    [Fact]
    public void Non_strict_mode_lets_other_ttls_through_for_routed_unicast_peers()
    {
        var f = VrrpSocketFilter.Build(isIPv6: false, strictTtl: false, [51]);
        Assert.True(VrrpSocketFilter.Run(f, V4(ttl: 60), false));
        Assert.False(VrrpSocketFilter.Run(f, V4(ttl: 60, vrid: 9), false));
    }

    [Fact]
    public void No_vrids_yet_or_too_many_leaves_the_vrid_test_out()
    {
        var none = VrrpSocketFilter.Build(isIPv6: false, strictTtl: true, []);
        Assert.True(VrrpSocketFilter.Run(none, V4(vrid: 200), false));
        Assert.False(VrrpSocketFilter.Run(none, V4(ttl: 1), false));
        var many = Enumerable.Range(1, 200).Select(i => (byte)i).ToArray();
        var f = VrrpSocketFilter.Build(isIPv6: false, strictTtl: true, many);
        Assert.True(VrrpSocketFilter.Run(f, V4(vrid: 250), false));
    }

    [Fact]
    public void Every_jump_stays_inside_the_program_and_it_serialises_to_sock_filter()
    {
        var vrids = Enumerable.Range(1, VrrpSocketFilter.MaxFilteredVrids).Select(i => (byte)i).ToArray();
        foreach (bool v6 in new[] { false, true })
        {
            var f = VrrpSocketFilter.Build(v6, strictTtl: true, vrids);
            Assert.Equal(0x06, f[^1].Code); // ends with a return
            for (int i = 0; i < f.Length; i++)
            {
                if (f[i].Code != 0x15)
                {
                    continue; // only conditional jumps have targets
                }

                Assert.True(i + 1 + f[i].JumpTrue < f.Length && i + 1 + f[i].JumpFalse < f.Length, $"instruction {i}");
            }

            var bytes = VrrpSocketFilter.ToBytes(f);
            Assert.Equal(f.Length * 8, bytes.Length);
            Assert.Equal(f[^1].Code, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(bytes.Length - 8)));
        }
    }
}
