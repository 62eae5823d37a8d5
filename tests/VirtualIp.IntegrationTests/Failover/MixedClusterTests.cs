using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Failover;

/// <summary>
/// The failover tests start real daemons (dotnet + keepalived) and assert protocol-derived time bounds: they run
/// one at a time, and not in parallel with any other collection (DisableParallelization), so their timing is honest.
/// Every class that times a failover belongs here: MixedClusterTests, HealthCheckFailoverTests,
/// LoadBalancerFailoverTests, EngineOverRawTransportTests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FailoverCollection
{
    public const string Name = "Failover daemons";
}

/// <summary>
/// samples/VirtualIp.Failover and keepalived in one cluster, each in both roles (priority 150 on n1, 100 on n2):
/// mastership follows priority, the backup takes over when the master stops (SIGTERM), the restarted master preempts
/// back, and after every convergence exactly one node is master by both logs and by who holds the VIP.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class MixedClusterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ClusterSpec Spec(string variant) => variant switch
    {
        "v3-ipv4" => new ClusterSpec(3, IPv6: false, Unicast: false, TimeSpan.FromMilliseconds(100)),
        "v2-ipv4" => new ClusterSpec(2, IPv6: false, Unicast: false, TimeSpan.FromSeconds(1)), // VRRPv2 adverts are whole seconds
        "v3-ipv6" => new ClusterSpec(3, IPv6: true, Unicast: false, TimeSpan.FromMilliseconds(100)),
        "v3-ipv4-unicast" => new ClusterSpec(3, IPv6: false, Unicast: true, TimeSpan.FromMilliseconds(100)),
        "v3-ipv6-unicast" => new ClusterSpec(3, IPv6: true, Unicast: true, TimeSpan.FromMilliseconds(100)),
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "unknown variant"),
    };

    [Theory]
    [InlineData("v3-ipv4", true)]
    [InlineData("v3-ipv4", false)]
    [InlineData("v2-ipv4", true)]
    [InlineData("v2-ipv4", false)]
    [InlineData("v3-ipv6", true)]
    [InlineData("v3-ipv6", false)]
    [InlineData("v3-ipv4-unicast", true)]
    [InlineData("v3-ipv4-unicast", false)]
    [InlineData("v3-ipv6-unicast", true)]
    [InlineData("v3-ipv6-unicast", false)]
    public async Task Mixed_cluster_follows_priority_and_fails_over_both_ways(string variant, bool oursIsMaster)
    {
        TestEnvironment.RequireRootAndTools("ip", "keepalived");
        var spec = Spec(variant);
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 2 }, Ct);
        LabNode n1 = lab.Node(1), n2 = lab.Node(2);
        FailoverDaemon Start(LabNode self, LabNode peer, int priority, bool ours) => ours
            ? FailoverDaemon.StartOurs(self, spec.OurArgs(priority, peer))
            : FailoverDaemon.StartKeepalived(self, spec.KeepalivedConfig(priority, self, peer));

        var converge = (3 * spec.MasterDown(100)) + TimeSpan.FromSeconds(20); // includes dotnet start-up on a busy CI box
        var stable = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, 2 * spec.Interval.Ticks));
        var high = Start(n1, n2, 150, oursIsMaster);
        using var low = Start(n2, n1, 100, !oursIsMaster);
        try
        {
            // 1. Election: priority 150 wins, whichever started first.
            await ClusterAssert.ConvergesAsync(n1, high, n2, low, spec.Vip, converge, $"{spec}: {high.Name} (150) master, {low.Name} (100) backup");
            await ClusterAssert.StaysSingleMasterAsync(n1, high, n2, low, spec.Vip, stable);

            // 2. The master stops cleanly (priority 0, VIP removed): the backup takes over. Bound: Master_Down_Interval
            //    (the priority-0 advert normally cuts it to Skew_Time; a lost one leaves the full interval), plus the
            //    SIGTERM handling and log-line delivery: a stated 100 ms plus twice the machine noise measured here
            //    (the slowest of five `ip addr` round trips, the same path our VIP check takes).
            var noise = await ClusterAssert.MachineNoiseAsync(n2);
            var bound = spec.MasterDown(100) + TimeSpan.FromMilliseconds(100) + (2 * noise);
            var stoppedAt = DateTime.UtcNow;
            Assert.True(high.Stop(TimeSpan.FromSeconds(15)), $"{high.Name} did not exit on SIGTERM\n{ClusterAssert.Logs(high)}");
            Assert.False(await ClusterAssert.HoldsAsync(n1, spec.Vip), $"{high.Name} left its VIP behind on SIGTERM\n{ClusterAssert.Logs(high)}");
            await ClusterAssert.EventuallyAsync(
                async () => low.State == "Master" && await ClusterAssert.HoldsAsync(n2, spec.Vip),
                spec.MasterDown(100) + TimeSpan.FromSeconds(10), $"{spec}: {low.Name} takes over", high, low);
            var took = low.States.Last(s => s.State == "Master").At - stoppedAt;
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{spec}: SIGTERM to {high.Name} → {low.Name} Master after {took.TotalMilliseconds:0} ms (bound {bound.TotalMilliseconds:0} ms, noise {noise.TotalMilliseconds:0} ms)");
            Assert.True(took <= bound, $"{spec}: takeover took {took.TotalMilliseconds:0} ms, bound {bound.TotalMilliseconds:0} ms\n{ClusterAssert.Logs(high, low)}");
            await Task.Delay(stable, Ct);
            Assert.True(low.State == "Master" && await ClusterAssert.HoldsAsync(n2, spec.Vip) && !await ClusterAssert.HoldsAsync(n1, spec.Vip),
                $"{low.Name} did not stay master alone\n{ClusterAssert.Logs(low)}");

            // 3. The priority-150 node comes back and preempts: the VIP moves back, the other node returns to Backup.
            high.Dispose();
            high = Start(n1, n2, 150, oursIsMaster);
            await ClusterAssert.ConvergesAsync(n1, high, n2, low, spec.Vip, converge, $"{spec}: restarted {high.Name} preempts {low.Name}");
            await ClusterAssert.StaysSingleMasterAsync(n1, high, n2, low, spec.Vip, stable);
            Assert.Equal(["Master", "Backup"], low.States.Select(s => s.State).Where(s => s is "Master" or "Backup").TakeLast(2));
        }
        finally
        {
            high.Dispose();
        }
    }
}
