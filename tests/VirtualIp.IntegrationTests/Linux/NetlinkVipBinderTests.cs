using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Binding;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Linux.Interop;
using VirtualIp.Linux.Netlink;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Linux;

public class NetlinkVipBinderTests
{
    private static readonly VipAddress V4 = VipAddress.Parse("192.0.2.100/24");
    private static readonly VipAddress V6 = VipAddress.Parse("2001:db8::100/64");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(NetnsLab Lab, NetlinkVipBinder Binder)> StartAsync(int nodes = 1)
    {
        TestEnvironment.RequireRootAndTools("ip");
        var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = nodes }, Ct);
        var binder = await NetnsLab.RunInAsync(lab.Node(1), () => new NetlinkVipBinder());
        return (lab, binder);
    }

    private static async Task<string> IpAddrAsync(LabNode node) =>
        (await NetnsLab.ExecAsync(node, "ip", "-d", "addr", "show", "dev", node.Interface)).EnsureSuccess().StdOut;

    [Fact]
    public async Task AddListRemove_IPv4AndIPv6()
    {
        var (lab, binder) = await StartAsync();
        await using var _ = lab;
        using var __ = binder;
        var n1 = lab.Node(1);

        Assert.True(await binder.AddAsync("eth0", V4, cancellationToken: Ct));
        Assert.True(await binder.AddAsync("eth0", V6, cancellationToken: Ct));

        string shown = await IpAddrAsync(n1);
        Assert.Contains("inet 192.0.2.100/24", shown);
        Assert.Contains("inet6 2001:db8::100/64", shown);
        Assert.Contains("nodad", shown);

        var listed = await binder.ListAsync("eth0", Ct);
        var v4 = Assert.Single(listed, a => a.Address.Equals(V4.Address));
        var v6 = Assert.Single(listed, a => a.Address.Equals(V6.Address));
        Assert.Equal(24, v4.PrefixLength);
        Assert.True(v4.IsOwned);
        Assert.True(v6.IsOwned);
        Assert.NotEqual(0u, v6.Flags & 0x02); // IFA_F_NODAD
        Assert.Contains(listed, a => a.Address.Equals(n1.IPv4) && !a.IsOwned);

        Assert.True(await binder.RemoveAsync("eth0", V4, Ct));
        Assert.True(await binder.RemoveAsync("eth0", V6, Ct));
        shown = await IpAddrAsync(n1);
        Assert.DoesNotContain("192.0.2.100", shown);
        Assert.DoesNotContain("2001:db8::100", shown);
    }

    [Fact]
    public async Task AddAndRemove_AreIdempotent()
    {
        var (lab, binder) = await StartAsync();
        await using var _ = lab;
        using var __ = binder;
        foreach (var vip in new[] { V4, V6 })
        {
            Assert.True(await binder.AddAsync("eth0", vip, cancellationToken: Ct));
            Assert.False(await binder.AddAsync("eth0", vip, cancellationToken: Ct)); // EEXIST -> false
            Assert.True(await binder.RemoveAsync("eth0", vip, Ct));
            Assert.False(await binder.RemoveAsync("eth0", vip, Ct)); // EADDRNOTAVAIL -> false
        }
    }

    [Fact]
    public async Task OwnershipMark_SurvivesTheBinderAndIsAbsentOnForeignAddresses()
    {
        var (lab, binder) = await StartAsync();
        await using var _ = lab;
        var n1 = lab.Node(1);
        await binder.AddAsync("eth0", V4, cancellationToken: Ct);
        await binder.AddAsync("eth0", V6, cancellationToken: Ct);
        binder.Dispose();
        (await NetnsLab.ExecAsync(n1, "ip", "addr", "add", "192.0.2.104/24", "dev", "eth0")).EnsureSuccess();

        using var fresh = await NetnsLab.RunInAsync(n1, () => new NetlinkVipBinder());
        var listed = await fresh.ListAsync("eth0", Ct);
        Assert.True(listed.Single(a => a.Address.Equals(V4.Address)).IsOwned);
        Assert.True(listed.Single(a => a.Address.Equals(V6.Address)).IsOwned);
        Assert.False(listed.Single(a => a.Address.Equals(IPAddress.Parse("192.0.2.104"))).IsOwned);
        Assert.False(listed.Single(a => a.Address.Equals(n1.IPv6)).IsOwned);

        // iproute2 >= 6.2 prints IFA_PROTO; older ones (6.1 here) do not know it.
        string shown = await IpAddrAsync(n1);
        if (shown.Contains(" proto ", StringComparison.Ordinal))
        {
            Assert.Contains("proto 0x56", shown);
        }
    }

    [Fact]
    public async Task KernelKeepsMark_IsLearntFromTheFirstMarkedAdd_AndMatchesTheKernelVersion()
    {
        var (lab, binder) = await StartAsync();
        await using var _ = lab;
        using var __ = binder;
        Assert.Null(binder.KernelKeepsMark);
        Assert.True(await binder.AddAsync("eth0", V4, new VipBindOptions { MarkOwned = false }, Ct));
        Assert.Null(binder.KernelKeepsMark); // an unmarked add says nothing about the kernel

        Assert.True(await binder.AddAsync("eth0", V6, cancellationToken: Ct));

        // This machine's kernel decides: 5.18 and later keep IFA_PROTO, older ones drop it (and the binder logs that).
        Assert.Equal(OwnershipMark.IsKeptBy(OwnershipMark.RunningKernel), binder.KernelKeepsMark);
    }

    [Fact]
    public async Task Label_IsSetOnIPv4AndValidated()
    {
        var (lab, binder) = await StartAsync();
        await using var _ = lab;
        using var __ = binder;
        Assert.True(await binder.AddAsync("eth0", V4, new VipBindOptions { Label = "eth0:vip" }, Ct));
        Assert.Contains("eth0:vip", await IpAddrAsync(lab.Node(1)));
        Assert.Equal("eth0:vip", (await binder.ListAsync("eth0", Ct)).Single(a => a.Address.Equals(V4.Address)).Label);

        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await binder.AddAsync("eth0", VipAddress.Parse("192.0.2.101/24"), new VipBindOptions { Label = "other:vip" }, Ct));
        Assert.Contains("other:vip", ex.Message);
    }

    [Fact]
    public async Task NoPrefixRoute_SkipsThePrefixRoute()
    {
        var (lab, binder) = await StartAsync();
        await using var _ = lab;
        using var __ = binder;
        await binder.AddAsync("eth0", VipAddress.Parse("198.51.100.10/24"), new VipBindOptions { NoPrefixRoute = true }, Ct);
        var routes = (await NetnsLab.ExecAsync(lab.Node(1), "ip", "route", "show")).EnsureSuccess().StdOut;
        Assert.DoesNotContain("198.51.100.0/24", routes);
        Assert.Contains("noprefixroute", await IpAddrAsync(lab.Node(1)));
    }

    [Fact]
    public async Task UnknownInterface_IsEnodevWithAHint()
    {
        var (lab, binder) = await StartAsync();
        await using var _ = lab;
        using var __ = binder;
        var add = await Assert.ThrowsAsync<VipBindingException>(async () => await binder.AddAsync("nosuch0", V4, cancellationToken: Ct));
        Assert.Equal(Errno.ENODEV, add.ErrorCode);
        Assert.Equal("interface 'nosuch0' does not exist", add.Hint);
        var remove = await Assert.ThrowsAsync<VipBindingException>(async () => await binder.RemoveAsync("nosuch0", V4, Ct));
        Assert.Equal(Errno.ENODEV, remove.ErrorCode);
        var info = await Assert.ThrowsAsync<VipBindingException>(async () => await binder.GetInterfaceAsync("nosuch0", Ct));
        Assert.Equal(Errno.ENODEV, info.ErrorCode);
        var tooLong = await Assert.ThrowsAsync<VipBindingException>(async () => await binder.ListAsync("averyveryverylongname0", Ct));
        Assert.Equal(Errno.ENODEV, tooLong.ErrorCode);
    }

    [Fact]
    public async Task InterfaceRecreated_WithANewIndex_IsFoundAgain()
    {
        var (lab, binder) = await StartAsync();
        await using var _ = lab;
        using var __ = binder;
        var ns = lab.Node(1).Namespace;
        (await NetnsLab.ExecAsync(ns, ["ip", "link", "add", "vx0", "type", "veth", "peer", "name", "vx1"], Ct)).EnsureSuccess();
        Assert.True(await binder.AddAsync("vx0", V4, cancellationToken: Ct));
        (await NetnsLab.ExecAsync(ns, ["ip", "link", "del", "vx0"], Ct)).EnsureSuccess();
        (await NetnsLab.ExecAsync(ns, ["ip", "link", "add", "vx0", "type", "veth", "peer", "name", "vx1"], Ct)).EnsureSuccess();
        Assert.True(await binder.AddAsync("vx0", V4, cancellationToken: Ct)); // the cached index is stale: re-resolved
        var info = await binder.GetInterfaceAsync("vx0", Ct);
        Assert.Equal(info.Index, Assert.Single(await binder.ListAsync("vx0", Ct), a => a.Address.Equals(V4.Address)).InterfaceIndex);
    }

    [Fact]
    public async Task KernelRefusal_CarriesErrnoAndTheExtendedAckText()
    {
        var (lab, binder) = await StartAsync();
        await using var _ = lab;
        using var __ = binder;
        (await NetnsLab.ExecAsync(lab.Node(1).Namespace, ["sysctl", "-q", "-w", "net.ipv6.conf.eth0.disable_ipv6=1"], Ct)).EnsureSuccess();
        var ex = await Assert.ThrowsAsync<VipBindingException>(async () => await binder.AddAsync("eth0", V6, cancellationToken: Ct));
        Assert.Equal(Errno.EACCES, ex.ErrorCode);
        Assert.Contains("IPv6 is disabled", ex.Hint);
    }

    [Fact]
    public async Task WithoutCapNetAdmin_IsEpermWithTheCapabilityHint()
    {
        TestEnvironment.RequireRootAndTools("ip");
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 1 }, Ct);
        var ex = await NetnsLab.RunInAsync(lab.Node(1), () =>
        {
            ThreadCapabilities.DropEffective(ThreadCapabilities.CAP_NET_ADMIN);
            using var binder = new NetlinkVipBinder();
            return Assert.Throws<VipBindingException>(() => binder.Add("eth0", V4, null));
        });
        Assert.Equal(Errno.EPERM, ex.ErrorCode);
        Assert.Equal("needs CAP_NET_ADMIN (run as root or grant the capability)", ex.Hint);
    }

    [Fact]
    public async Task RemoveStale_RemovesOnlyOwnedAddressesNotKept()
    {
        var (lab, binder) = await StartAsync();
        await using var _ = lab;
        using var __ = binder;
        var n1 = lab.Node(1);
        var keep = VipAddress.Parse("192.0.2.101/24");
        var stale4 = VipAddress.Parse("192.0.2.102/24");
        var stale6 = VipAddress.Parse("2001:db8::102/64");
        var unmarked = VipAddress.Parse("192.0.2.103/24");
        await binder.AddAsync("eth0", keep, cancellationToken: Ct);
        await binder.AddAsync("eth0", stale4, cancellationToken: Ct);
        await binder.AddAsync("eth0", stale6, cancellationToken: Ct);
        await binder.AddAsync("eth0", unmarked, new VipBindOptions { MarkOwned = false }, Ct);
        (await NetnsLab.ExecAsync(n1, "ip", "addr", "add", "192.0.2.104/24", "dev", "eth0")).EnsureSuccess(); // foreign

        // A new binder (as after a restart) finds the marks the old process left.
        using var restarted = await NetnsLab.RunInAsync(n1, () => new NetlinkVipBinder());
        var removed = await restarted.RemoveStaleAsync("eth0", [keep], Ct);

        Assert.Equal(new[] { stale4.Address, stale6.Address }.OrderBy(a => a.ToString()), removed.Select(r => r.Address).OrderBy(a => a.ToString()));
        var left = (await restarted.ListAsync("eth0", Ct)).Select(a => a.Address.ToString()).ToHashSet();
        Assert.Contains("192.0.2.101", left);
        Assert.Contains("192.0.2.103", left);
        Assert.Contains("192.0.2.104", left);
        Assert.Contains(n1.IPv4.ToString(), left);
        Assert.Contains(n1.IPv6.ToString(), left);
        Assert.DoesNotContain("192.0.2.102", left);
        Assert.DoesNotContain("2001:db8::102", left);
    }

    [Fact]
    public async Task GetInterface_ReportsIndexMacMtuStateAndAddresses()
    {
        var (lab, binder) = await StartAsync();
        await using var _ = lab;
        using var __ = binder;
        var info = await binder.GetInterfaceAsync("eth0", Ct);
        Assert.Equal("eth0", info.Name);
        Assert.True(info.Index > 0);
        Assert.Equal(MacAddress.Parse("02:00:00:00:00:01"), info.Mac);
        Assert.Equal(1500, info.Mtu);
        Assert.True(info.IsUp);
        Assert.Equal(lab.Node(1).IPv4, info.PrimaryIPv4);
        Assert.Equal(IPAddress.Parse("fe80::ff:fe00:1"), info.IPv6LinkLocal);

        (await NetnsLab.ExecAsync(lab.Node(1), "ip", "link", "set", "eth0", "down")).EnsureSuccess();
        Assert.False((await binder.GetInterfaceAsync("eth0", Ct)).IsUp);
    }

    [Fact]
    public async Task AddRemoveRoundTrip_AllocatesNothing()
    {
        var (lab, binder) = await StartAsync();
        await using var _ = lab;
        using var __ = binder;
        var (syncBytes, asyncBytes) = await NetnsLab.RunInAsync(lab.Node(1), () =>
        {
            for (int i = 0; i < 50; i++)
            {
                binder.Add("eth0", V6, null);
                binder.Remove("eth0", V6);
                Completed(binder.AddAsync("eth0", V4));
                Completed(binder.RemoveAsync("eth0", V4));
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 500; i++)
            {
                binder.Add("eth0", V6, null);
                binder.Remove("eth0", V6);
            }

            long sync = GC.GetAllocatedBytesForCurrentThread() - before;
            before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 500; i++)
            {
                Completed(binder.AddAsync("eth0", V4));
                Completed(binder.RemoveAsync("eth0", V4));
            }

            return (sync, GC.GetAllocatedBytesForCurrentThread() - before);
        });
        Assert.Equal(0, syncBytes);
        Assert.Equal(0, asyncBytes);
    }

    private static bool Completed(ValueTask<bool> task) =>
        task.IsCompletedSuccessfully ? task.Result : throw new InvalidOperationException("The netlink binder completes synchronously.");
}
