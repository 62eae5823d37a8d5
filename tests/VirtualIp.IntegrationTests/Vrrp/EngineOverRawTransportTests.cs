using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Binding;
using VirtualIp.Election;
using VirtualIp.Linux.Vrrp;
using VirtualIp.Testing;
using VirtualIp.Vrrp;

using VirtualIp.IntegrationTests.Lab;

namespace VirtualIp.IntegrationTests.Vrrp;

/// <summary>
/// The VRRP engine on the raw-socket transport against keepalived 2.x across a veth pair: preemption both ways,
/// graceful hand-over with priority 0, takeover after keepalived dies. VIPs go to an in-memory binder (the engine
/// runs on thread-pool threads in the root namespace, so a real binder would touch the host).
/// </summary>
[Collection(VirtualIp.IntegrationTests.Failover.FailoverCollection.Name)]
public sealed class EngineOverRawTransportTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(12);

    private static string KeepalivedConfig(bool ipv6, int version, int priority) => $$"""
        global_defs {
          router_id vrrpnet-engine
          vrrp_version {{version}}
        }
        vrrp_instance VI_1 {
          state BACKUP
          interface {{VrrpNetnsPair.Interface}}
          virtual_router_id 51
          priority {{priority}}
          advert_int 1
          virtual_ipaddress {
            {{(ipv6 ? "2001:db8::100/64" : "192.0.2.100/24")}}
          }
        }
        """;

    private static (IVirtualRouter Router, MemoryBinder Binder, BlockingCollection<VrrpStateChangedEventArgs> Events) StartRouter(
        string ns, bool ipv6, int version, int priority)
    {
        var options = new VrrpRouterOptions
        {
            Name = "ours",
            Interface = VrrpNetnsPair.Interface,
            VirtualRouterId = 51,
            Priority = priority,
            Version = version == 2 ? VrrpVersion.V2 : VrrpVersion.V3,
            RemoveStaleAddressesOnStart = false,
        };
        options.Vips.Add(VipAddress.Parse(ipv6 ? "2001:db8::100/64" : "192.0.2.100/24"));
        var transport = VrrpNetnsPair.RunIn(ns, () => LinuxVrrpTransport.CreateForRouter(options));
        var binder = new MemoryBinder();
        var router = VirtualRouterFactory.Create(options, transport, binder);
        var events = new BlockingCollection<VrrpStateChangedEventArgs>();
        router.StateChanged += (_, e) => events.Add(e);
        return (router, binder, events);
    }

    private static VrrpStateChangedEventArgs? WaitForState(BlockingCollection<VrrpStateChangedEventArgs> events, VrrpState state, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout && events.TryTake(out var e, timeout - sw.Elapsed))
        {
            if (e.NewState == state)
            {
                return e;
            }
        }

        return null;
    }


    [Theory]
    [InlineData(false, 3)]
    [InlineData(false, 2)]
    [InlineData(true, 3)]
    public async Task Ours_preempts_keepalived_then_hands_back_with_priority_0(bool ipv6, int version)
    {
        TestEnvironment.RequireRootAndTools("ip", "keepalived");
        using var net = VrrpNetnsPair.Create();
        using var keepalived = KeepalivedProcess.Start(net.NamespaceA, KeepalivedConfig(ipv6, version, 150));
        Assert.True(keepalived.WaitForLog("Entering MASTER STATE", s_long), "keepalived never became MASTER:\n" + keepalived.Log);

        var (router, binder, events) = StartRouter(net.NamespaceB, ipv6, version, 200);
        await using (router)
        {
            await router.StartAsync(TestContext.Current.CancellationToken);
            var master = WaitForState(events, VrrpState.Master, s_long);
            Assert.True(master is not null, "our router never became Master; keepalived:\n" + keepalived.Log);
            Assert.Equal(VrrpTransitionReason.Preempted, master.Reason);
            Assert.True(keepalived.WaitForLog("Entering BACKUP STATE", TimeSpan.FromSeconds(3), occurrences: 2), "keepalived did not step down:\n" + keepalived.Log);
            Assert.True(Poll.Until(() => binder.Bound.Contains(ipv6 ? "2001:db8::100/64" : "192.0.2.100/24"), TimeSpan.FromSeconds(2)));
            var stats = router.GetStatistics();
            Assert.True(stats.AdvertisementsReceived > 0);
            Assert.Equal(0, stats.GetRejected(VrrpRejectReason.BadChecksum));
            Assert.Equal(0, stats.GetRejected(VrrpRejectReason.BadTtl));

            // Graceful stop: priority 0 → keepalived takes over after Skew_Time (~0.41 s at priority 150), not 3 intervals.
            var sw = Stopwatch.StartNew();
            await router.StopAsync(TestContext.Current.CancellationToken);
            Assert.True(keepalived.WaitForLog("Entering MASTER STATE", TimeSpan.FromSeconds(3), occurrences: 2), "keepalived did not take over:\n" + keepalived.Log);
            output.WriteLine($"keepalived MASTER {sw.ElapsedMilliseconds} ms after our priority-0 advert (poll granularity 50 ms)");
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"hand-over took {sw.Elapsed}");
            Assert.Empty(binder.Bound);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Ours_stays_backup_under_keepalived_and_takes_over_when_it_dies(bool ipv6)
    {
        TestEnvironment.RequireRootAndTools("ip", "keepalived");
        using var net = VrrpNetnsPair.Create();
        using var keepalived = KeepalivedProcess.Start(net.NamespaceA, KeepalivedConfig(ipv6, 3, 150));
        Assert.True(keepalived.WaitForLog("Entering MASTER STATE", s_long), "keepalived never became MASTER:\n" + keepalived.Log);

        var (router, binder, events) = StartRouter(net.NamespaceB, ipv6, 3, 100);
        await using (router)
        {
            await router.StartAsync(TestContext.Current.CancellationToken);
            Assert.Equal(VrrpState.Backup, WaitForState(events, VrrpState.Backup, TimeSpan.FromSeconds(2))?.NewState);
            Assert.Null(WaitForState(events, VrrpState.Master, TimeSpan.FromSeconds(4)));
            Assert.Equal(VrrpState.Backup, router.State);
            Assert.NotNull(router.MasterAddress);
            Assert.Empty(binder.Bound);

            var sw = Stopwatch.StartNew();
            keepalived.Dispose(); // SIGKILL: no priority-0 advert
            var master = WaitForState(events, VrrpState.Master, s_long);
            Assert.NotNull(master);
            Assert.Equal(VrrpTransitionReason.MasterDownTimer, master.Reason);
            output.WriteLine($"took over {sw.ElapsedMilliseconds} ms after SIGKILL of keepalived (Master_Down_Interval 3.61 s at priority 100)");
            Assert.InRange(sw.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6));
            Assert.True(Poll.Until(() => binder.Bound.Contains(ipv6 ? "2001:db8::100/64" : "192.0.2.100/24"), TimeSpan.FromSeconds(2)));
            await router.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Two_of_our_routers_elect_one_master_and_fail_over_on_stop()
    {
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        var (high, highBinder, highEvents) = StartRouter(net.NamespaceA, false, 3, 200);
        var (low, lowBinder, lowEvents) = StartRouter(net.NamespaceB, false, 3, 100);
        await using (high)
        await using (low)
        {
            await low.StartAsync(TestContext.Current.CancellationToken);
            await high.StartAsync(TestContext.Current.CancellationToken);
            Assert.NotNull(WaitForState(highEvents, VrrpState.Master, s_long));
            Assert.Null(WaitForState(lowEvents, VrrpState.Master, TimeSpan.FromSeconds(4)));
            Assert.Equal(IPAddress.Parse("192.0.2.1"), low.MasterAddress);
            Assert.True(Poll.Until(() => highBinder.Bound.Count == 1, TimeSpan.FromSeconds(2)));
            Assert.Empty(lowBinder.Bound);

            var sw = Stopwatch.StartNew();
            await high.StopAsync(TestContext.Current.CancellationToken);
            var took = WaitForState(lowEvents, VrrpState.Master, TimeSpan.FromSeconds(3));
            Assert.NotNull(took);
            Assert.Equal(VrrpTransitionReason.PriorityZeroReceived, took.Reason);
            output.WriteLine($"backup became master {sw.ElapsedMilliseconds} ms after the master's priority-0 advert (Skew_Time 0.61 s at priority 100)");
            Assert.True(Poll.Until(() => lowBinder.Bound.Count == 1, TimeSpan.FromSeconds(2)));
            await low.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Records VIPs instead of touching an interface.</summary>
    private sealed class MemoryBinder : IVipBinder
    {
        private readonly ConcurrentDictionary<string, byte> _bound = new();

        public ICollection<string> Bound => _bound.Keys;

        public ValueTask<bool> AddAsync(string interfaceName, VipAddress vip, VipBindOptions? options = null, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(_bound.TryAdd(vip.ToString(), 0));

        public ValueTask<bool> RemoveAsync(string interfaceName, VipAddress vip, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(_bound.TryRemove(vip.ToString(), out _));

        public ValueTask<IReadOnlyList<BoundAddress>> ListAsync(string interfaceName, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<BoundAddress>>([]);

        public ValueTask<IReadOnlyList<BoundAddress>> RemoveStaleAsync(string interfaceName, IReadOnlyCollection<VipAddress>? keep = null, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<BoundAddress>>([]);

        public ValueTask<InterfaceInfo> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new InterfaceInfo(interfaceName, 1, default, 1500, true, null, null));
    }
}
