using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Failover;

/// <summary>
/// <c>UseVirtualMac</c> against keepalived 2.2.7 <c>use_vmac</c>, each in both roles (VRRPv3, IPv4 multicast, 100 ms):
/// the master holds the VIP on its <c>vrrp.51</c> macvlan, the client's neighbour table maps the VIP to
/// 00:00:5e:00:01:33 and the client reaches the VIP; after the master stops the backup takes over under the same MAC;
/// our macvlan is gone after our daemon stops, and one left by a killed daemon is removed at its next start.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class VirtualMacInteropTests
{
    private const string VirtualMac = "00:00:5e:00:01:33"; // VRID 51, IPv4
    private const string VirtualMac6 = "00:00:5e:00:02:33"; // VRID 51, IPv6
    private const string VmacInterface = "vrrp.51";
    private const string VmacInterface6 = "vrrp6.51";
    private static readonly ClusterSpec s_spec = new(3, IPv6: false, Unicast: false, TimeSpan.FromMilliseconds(100));
    private static readonly ClusterSpec s_spec6 = new(3, IPv6: true, Unicast: false, TimeSpan.FromMilliseconds(100));
    private static readonly Dictionary<string, string> s_useVmac = new() { ["VIRTUALIP__ROUTERS__0__USEVIRTUALMAC"] = "true" };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public async Task Virtual_mac_cluster_with_keepalived_use_vmac_fails_over_under_the_same_mac(bool oursIsMaster, bool ipv6)
    {
        var c = new Case(ipv6);
        TestEnvironment.RequireRootAndTools("ip", "keepalived", "ping");
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 2 }, Ct);
        LabNode n1 = lab.Node(1), n2 = lab.Node(2);
        var converge = (3 * c.Spec.MasterDown(100)) + TimeSpan.FromSeconds(20);
        var high = c.Start(n1, n2, 150, oursIsMaster);
        using var low = c.Start(n2, n1, 100, !oursIsMaster);
        try
        {
            // 1. Election: the 150 node is master and holds the VIP on its macvlan; the client sees the virtual MAC.
            await c.ConvergesAsync(n1, high, n2, low, converge, $"{high.Name} (150) master on its macvlan");
            await c.ClientReachesVipAsync(lab, high, low);
            Assert.Contains(c.Mac, await LinkAsync(n2, c.KeepalivedOrOurs(oursIsMaster, n2: true)), StringComparison.Ordinal); // the backup has its macvlan too

            // 2. The master stops: the backup takes over, the client still reaches the VIP at the same MAC.
            Assert.True(high.Stop(TimeSpan.FromSeconds(15)), $"{high.Name} did not exit on SIGTERM\n{ClusterAssert.Logs(high)}");
            await ClusterAssert.EventuallyAsync(async () => low.State == "Master" && await c.HoldsOnVmacAsync(n2), c.Spec.MasterDown(100) + TimeSpan.FromSeconds(10),
                $"{low.Name} takes over", high, low);
            await c.ClientReachesVipAsync(lab, low, high);
            if (oursIsMaster)
            {
                Assert.Null(await LinkOrNullAsync(n1, c.Vmac)); // our macvlan is removed at stop
            }

            // 3. The 150 node comes back and preempts.
            high.Dispose();
            high = c.Start(n1, n2, 150, oursIsMaster);
            await c.ConvergesAsync(n1, high, n2, low, converge, $"restarted {high.Name} preempts {low.Name}");
            await c.ClientReachesVipAsync(lab, high, low);

            // 4. Our daemon stops cleanly: its macvlan is gone.
            var (ours, oursNode) = oursIsMaster ? (high, n1) : (low, n2);
            Assert.True(ours.Stop(TimeSpan.FromSeconds(15)), $"{ours.Name} did not exit on SIGTERM\n{ClusterAssert.Logs(ours)}");
            Assert.Null(await LinkOrNullAsync(oursNode, c.Vmac));
        }
        finally
        {
            high.Dispose();
        }
    }

    [Fact]
    public async Task A_macvlan_left_by_a_killed_daemon_is_removed_at_the_next_start_and_an_unmarked_one_is_refused()
    {
        TestEnvironment.RequireRootAndTools("ip");
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 2 }, Ct);
        LabNode n1 = lab.Node(1), n2 = lab.Node(2);
        var converge = (3 * s_spec.MasterDown(150)) + TimeSpan.FromSeconds(20);

        using (var first = FailoverDaemon.StartOurs(n1, s_spec.OurArgs(150, n2), environment: s_useVmac))
        {
            await ClusterAssert.EventuallyAsync(async () => first.State == "Master" && await HoldsOnVmacAsync(n1), converge, "first run master", first);
            LabInterop.Kill(first.ProcessId, 9); // SIGKILL: no cleanup at all
            Assert.True(first.Stop(TimeSpan.FromSeconds(10)));
        }

        var leftover = await LinkAsync(n1, VmacInterface);
        Assert.Contains("alias virtualip-vmac", leftover, StringComparison.Ordinal);
        Assert.True(await HoldsOnVmacAsync(n1), "the killed daemon's VIP stays on its macvlan until the next start");

        using (var second = FailoverDaemon.StartOurs(n1, s_spec.OurArgs(150, n2), environment: s_useVmac))
        {
            await ClusterAssert.EventuallyAsync(async () => second.State == "Master" && await HoldsOnVmacAsync(n1), converge, "second run master", second);
            Assert.Contains("macvlan mode private", await LinkAsync(n1, VmacInterface), StringComparison.Ordinal);
            Assert.True(second.Stop(TimeSpan.FromSeconds(15)), $"did not exit\n{ClusterAssert.Logs(second)}");
        }

        Assert.Null(await LinkOrNullAsync(n1, VmacInterface));
        Assert.False(await HoldsOnVmacAsync(n1));

        // An interface of that name that is not ours (keepalived's, or made by hand) is never taken over.
        (await NetnsLab.IpRawAsync(Ct, "-n", n1.Namespace, "link", "add", "link", n1.Interface, "name", VmacInterface, "type", "macvlan", "mode", "private")).EnsureSuccess();
        using var third = FailoverDaemon.StartOurs(n1, s_spec.OurArgs(150, n2), environment: s_useVmac);
        await ClusterAssert.EventuallyAsync(() => Task.FromResult(third.Log.Contains("already exists and is not VirtualIp's", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "start refused with EEXIST", third);
        Assert.True(third.Stop(TimeSpan.FromSeconds(15)));
        Assert.NotNull(await LinkOrNullAsync(n1, VmacInterface)); // left alone
    }

    private static async Task<bool> HoldsOnVmacAsync(LabNode node)
    {
        var r = await NetnsLab.IpRawAsync(Ct, "-n", node.Namespace, "-o", "addr", "show", "dev", VmacInterface);
        return r.ExitCode == 0 && r.StdOut.Contains($" {s_spec.Vip}/", StringComparison.Ordinal);
    }

    private static async Task<bool> HoldsAnywhereAsync(LabNode node, string vip) =>
        (await NetnsLab.IpRawAsync(Ct, "-n", node.Namespace, "-o", "addr", "show")).EnsureSuccess().StdOut.Contains($" {vip}/", StringComparison.Ordinal);

    private static async Task<string> LinkAsync(LabNode node, string name) =>
        await LinkOrNullAsync(node, name) ?? throw new Xunit.Sdk.XunitException($"no link {name} in {node.Name}");

    private static async Task<string?> LinkOrNullAsync(LabNode node, string name)
    {
        var r = await NetnsLab.IpRawAsync(Ct, "-n", node.Namespace, "-d", "link", "show", name);
        return r.ExitCode == 0 ? r.StdOut : null;
    }

    /// <summary>The family-specific parts: addresses, MAC, our macvlan's name (keepalived names both families <c>vrrp.51</c>).</summary>
    private sealed class Case(bool ipv6)
    {
        public ClusterSpec Spec => ipv6 ? s_spec6 : s_spec;

        public string Mac => ipv6 ? VirtualMac6 : VirtualMac;

        /// <summary>Our macvlan.</summary>
        public string Vmac => ipv6 ? VmacInterface6 : VmacInterface;

        /// <summary>The macvlan name on node n2 (or n1): ours, or keepalived's <c>vrrp.51</c>.</summary>
        public string KeepalivedOrOurs(bool oursIsMaster, bool n2) => (oursIsMaster != n2) ? Vmac : VmacInterface;

        public FailoverDaemon Start(LabNode self, LabNode peer, int priority, bool ours) => ours
            ? FailoverDaemon.StartOurs(self, Spec.OurArgs(priority, peer), environment: s_useVmac)
            : FailoverDaemon.StartKeepalived(self, Spec.KeepalivedConfig(priority, self, peer)
                .Replace($"interface {self.Interface}\n", $"interface {self.Interface}\n  use_vmac\n", StringComparison.Ordinal));

        /// <summary>The VIP is on a macvlan of the node (ours or keepalived's), not on eth0.</summary>
        public async Task<bool> HoldsOnVmacAsync(LabNode node)
        {
            var r = (await NetnsLab.IpRawAsync(Ct, "-n", node.Namespace, "-o", "addr", "show")).EnsureSuccess();
            return r.StdOut.Split('\n').Any(l => l.Contains($" {Spec.Vip}/", StringComparison.Ordinal) && l.Contains(" vrrp", StringComparison.Ordinal));
        }

        public Task<TimeSpan> ConvergesAsync(LabNode masterNode, FailoverDaemon master, LabNode backupNode, FailoverDaemon backup, TimeSpan timeout, string what) =>
            ClusterAssert.EventuallyAsync(
                async () => master.State == "Master" && backup.State == "Backup" && await HoldsOnVmacAsync(masterNode) && !await HoldsAnywhereAsync(backupNode, Spec.Vip),
                timeout, what, master, backup);

        /// <summary>The client pings the VIP (answered by the master only) and its neighbour entry for the VIP is the virtual MAC.</summary>
        public async Task ClientReachesVipAsync(NetnsLab lab, FailoverDaemon master, FailoverDaemon backup)
        {
            string? neigh = null;
            await ClusterAssert.EventuallyAsync(async () =>
            {
                var ping = await NetnsLab.ExecAsync(lab.Client.Namespace, ["ping", ipv6 ? "-6" : "-4", "-c", "1", "-W", "1", Spec.Vip], TimeSpan.FromSeconds(5), Ct);
                neigh = (await NetnsLab.IpRawAsync(Ct, "-n", lab.Client.Namespace, "neigh", "show", Spec.Vip)).StdOut;
                return ping.ExitCode == 0 && neigh.Contains($"lladdr {Mac}", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(10), $"client reaches {Spec.Vip} at {Mac}", master, backup);
            TestContext.Current.TestOutputHelper?.WriteLine($"client neighbour with {master.Name} master: {neigh?.Trim()}");
        }
    }
}
