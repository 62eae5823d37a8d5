using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Announcing;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Linux.Netlink;
using VirtualIp.Linux.Packet;
using VirtualIp.Linux.Pcap;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Linux;

/// <summary>
/// Failover proof on a real kernel: the VIP moves from node 1 to node 2, node 2 announces it, and the client's
/// neighbour entry for the VIP now points at node 2's MAC.
/// </summary>
public class AnnouncementTests
{
    private static readonly VipAddress V4 = VipAddress.Parse("192.0.2.100/24");
    private static readonly VipAddress V6 = VipAddress.Parse("2001:db8::100/64");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, bool> Cases => new()
    {
        { "afpacket", false },
        { "afpacket", true },
        { "pcap", false },
        { "pcap", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Announcement_MovesTheClientsNeighbourEntryToTheNewOwner(string sender, bool ipv6)
    {
        TestEnvironment.RequireRootAndTools("ip", "ping", "tcpdump");
        var vip = ipv6 ? V6 : V4;
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 2 }, Ct);
        var (n1, n2, client) = (lab.Node(1), lab.Node(2), lab.Client);
        using var b1 = await NetnsLab.RunInAsync(n1, () => new NetlinkVipBinder());
        using var b2 = await NetnsLab.RunInAsync(n2, () => new NetlinkVipBinder());

        // Node 1 owns the VIP; the client learns it by talking to it.
        Assert.True(await b1.AddAsync("eth0", vip, cancellationToken: Ct));
        (await NetnsLab.ExecAsync(client, "ping", "-c", "1", "-W", "2", vip.Address.ToString())).EnsureSuccess();
        Assert.Contains(n1.Mac.ToString(), await NeighbourAsync(client, vip.Address));

        // Failover: node 1 drops it, node 2 takes it and announces.
        await b1.RemoveAsync("eth0", vip, Ct);
        await b2.AddAsync("eth0", vip, cancellationToken: Ct);
        var info = await b2.GetInterfaceAsync("eth0", Ct);
        byte[] frame = ipv6
            ? TestFrames.UnsolicitedNa(info.Mac, info.IPv6LinkLocal!, vip.Address)
            : TestFrames.GratuitousArp(info.Mac, vip.Address);

        var capture = await lab.StartCaptureAsync(ipv6 ? "icmp6" : "arp", cancellationToken: Ct);
        using (var s = await NetnsLab.RunInAsync<IFrameSender>(n2, () => sender == "pcap" ? new PcapFrameSender("eth0") : new AfPacketFrameSender("eth0")))
        {
            Assert.Equal("eth0", s.InterfaceName);
            s.Send(frame);
        }

        string entry = "";
        for (int i = 0; i < 50 && !entry.Contains(n2.Mac.ToString(), StringComparison.Ordinal); i++)
        {
            await Task.Delay(20, Ct);
            entry = await NeighbourAsync(client, vip.Address);
        }

        Assert.Contains(n2.Mac.ToString(), entry);
        var frames = await capture.StopAsync();
        Assert.Contains(frames, f => f.AsSpan().SequenceEqual(frame));
    }

    [Fact]
    public async Task AfPacketSend_AllocatesNothing()
    {
        TestEnvironment.RequireRootAndTools("ip");
        long allocated = await AllocatedBySendingAsync(() => new AfPacketFrameSender("eth0"));
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task PcapSend_AllocatesNothing()
    {
        TestEnvironment.RequireRootAndTools("ip");
        TestEnvironment.RequireNativeLibrary("libpcap.so.0.8", "libpcap0.8");
        long allocated = await AllocatedBySendingAsync(() => new PcapFrameSender("eth0"));
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task WithoutCapNetRaw_AfPacketIsEpermWithTheHint()
    {
        TestEnvironment.RequireRootAndTools("ip");
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 1 }, Ct);
        var ex = await NetnsLab.RunInAsync(lab.Node(1), () =>
        {
            ThreadCapabilities.DropEffective(ThreadCapabilities.CAP_NET_RAW);
            return Assert.Throws<FrameSenderException>(() => new AfPacketFrameSender("eth0"));
        });
        Assert.Equal(1, ex.ErrorCode);
        Assert.Contains("CAP_NET_RAW", ex.Hint);
    }

    [Fact]
    public async Task SendOnADownLink_IsATypedError()
    {
        TestEnvironment.RequireRootAndTools("ip");
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 1 }, Ct);
        using var s = await NetnsLab.RunInAsync(lab.Node(1), () => new AfPacketFrameSender("eth0"));
        (await NetnsLab.ExecAsync(lab.Node(1), "ip", "link", "set", "eth0", "down")).EnsureSuccess();
        var ex = Assert.Throws<FrameSenderException>(() => s.Send(TestFrames.GratuitousArp(lab.Node(1).Mac, V4.Address)));
        Assert.Contains("eth0", ex.Message);
    }

    [Fact]
    public async Task Pcap_UnknownInterface_IsATypedError()
    {
        TestEnvironment.RequireRootAndTools("ip");
        TestEnvironment.RequireNativeLibrary("libpcap.so.0.8", "libpcap0.8");
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 1 }, Ct);
        var ex = await NetnsLab.RunInAsync(lab.Node(1), () => Assert.Throws<FrameSenderException>(() => new PcapFrameSender("nosuch0")));
        Assert.Contains("nosuch0", ex.Message);
    }

    /// <summary>Bytes the current thread allocates for 2,000 sends of a gratuitous ARP on node 1's eth0 (after 100 to warm up).</summary>
    private static async Task<long> AllocatedBySendingAsync(Func<IFrameSender> open)
    {
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 1 }, Ct);
        var frame = TestFrames.GratuitousArp(lab.Node(1).Mac, V4.Address);
        return await NetnsLab.RunInAsync(lab.Node(1), () =>
        {
            using var s = open();
            for (int i = 0; i < 100; i++)
            {
                s.Send(frame);
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 2000; i++)
            {
                s.Send(frame);
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        });
    }

    private static async Task<string> NeighbourAsync(LabNode node, IPAddress address) =>
        (await NetnsLab.ExecAsync(node, "ip", "neigh", "show", address.ToString())).EnsureSuccess().StdOut;
}
