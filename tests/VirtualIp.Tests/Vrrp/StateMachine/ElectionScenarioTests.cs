using System.Net;
using VirtualIp.Election;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Vrrp.StateMachine;

/// <summary>Deterministic elections on a simulated segment (one FakeTimeProvider, 1 ms steps).</summary>
public sealed class ElectionScenarioTests
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    [Fact]
    public async Task Two_nodes_elect_the_highest_priority()
    {
        var net = new SimulatedNetwork();
        var a = Sim.Node(net, "192.0.2.1", Sim.Options("a", 100));
        var b = Sim.Node(net, "192.0.2.2", Sim.Options("b", 200));
        Sim.Start(a, b);

        Assert.Equal(VrrpState.Backup, a.State);
        Assert.Equal(VrrpState.Backup, b.State);

        // b's down timer (3 s + 56/256 s) expires first; a then hears b and stays backup.
        var elapsed = net.RunUntil(() => b.State == VrrpState.Master, TimeSpan.FromSeconds(10));
        Assert.NotNull(elapsed);
        Assert.InRange(elapsed.Value, Sim.MasterDown(200, OneSecond) - Tick, Sim.MasterDown(200, OneSecond) + Tick);
        net.Run(TimeSpan.FromSeconds(10));
        Assert.Equal(VrrpState.Master, b.State);
        Assert.Equal(VrrpState.Backup, a.State);
        Assert.Equal(b.Address, a.Router.MasterAddress);

        await Sim.IdleAsync(a, b);
        Assert.True(b.Binder.IsBound(Sim.Vip4));
        Assert.False(a.Binder.IsBound(Sim.Vip4));
        Assert.Equal(1, b.Announcer.Active);
        Assert.Equal(0, a.Announcer.Active);
        var e = Assert.Single(b.Events, e => e.NewState == VrrpState.Master);
        Assert.Equal(VrrpTransitionReason.MasterDownTimer, e.Reason);
        Assert.Equal(VrrpState.Backup, e.OldState);
        Assert.Equal("b", e.RouterName);
        Assert.Equal(51, e.VirtualRouterId);
        Assert.Equal(b.Address, e.MasterAddress);
        Assert.Equal(200, e.Priority);
        Assert.InRange(e.Timestamp, net.Now - TimeSpan.FromSeconds(11), net.Now - TimeSpan.FromSeconds(9));
    }

    [Fact]
    public void Three_nodes_elect_the_highest_priority()
    {
        var (_, a, b, c) = Started(15, ("192.0.2.1", Sim.Options("a", 150)), ("192.0.2.2", Sim.Options("b", 50)), ("192.0.2.3", Sim.Options("c", 100)));
        Assert.Equal([VrrpState.Master, VrrpState.Backup, VrrpState.Backup], new[] { a.State, b.State, c.State });
        Assert.Equal(0, a.Router.GetStatistics().TotalRejected);
    }

    [Fact]
    public async Task Master_dies_and_the_backup_takes_over_after_master_down_interval()
    {
        var (net, a, b) = Started(10, ("192.0.2.1", Sim.Options("a", 200)), ("192.0.2.2", Sim.Options("b", 100)));
        Assert.Equal(VrrpState.Master, a.State);

        // a's adverts go out on whole seconds after it became master; crash right after one was delivered.
        long received = b.Router.GetStatistics().AdvertisementsReceived;
        net.RunUntil(() => b.Router.GetStatistics().AdvertisementsReceived > received, TimeSpan.FromSeconds(2));
        var lastAdvert = net.Now;
        a.Transport.Crashed = true;

        var elapsed = net.RunUntil(() => b.State == VrrpState.Master, TimeSpan.FromSeconds(10));
        Assert.NotNull(elapsed);
        var expected = Sim.MasterDown(100, OneSecond); // 3 s + 156/256 s = 3.609375 s
        Assert.InRange(net.Now - lastAdvert, expected - Tick, expected + Tick);
        await Sim.IdleAsync(b);
        Assert.True(b.Binder.IsBound(Sim.Vip4));
        Assert.Contains(b.Events, e => e.NewState == VrrpState.Master && e.Reason == VrrpTransitionReason.MasterDownTimer);
    }

    [Fact]
    public void Partitions_and_heals_leave_exactly_one_master_within_one_down_interval()
    {
        var net = new SimulatedNetwork(seed: 7);
        var nodes = StartOn(net, 10, ("192.0.2.1", Sim.Options("a", 100)), ("192.0.2.2", Sim.Options("b", 150)), ("192.0.2.3", Sim.Options("c", 200)));
        Assert.Equal(1, Sim.Masters(nodes));

        var random = new Random(42);
        var addresses = nodes.Select(n => n.Address).ToArray();
        for (int round = 0; round < 12; round++)
        {
            // Random split into up to three groups.
            var groups = addresses.GroupBy(_ => random.Next(3)).Select(g => g.ToArray()).ToArray();
            net.Partition(groups);
            net.Run(TimeSpan.FromSeconds(random.Next(1, 8)));
            net.Heal();

            // Within one Master_Down_Interval of the lowest priority (the longest) there is exactly one master...
            net.Run(Sim.MasterDown(100, OneSecond) + TimeSpan.FromMilliseconds(50));
            Assert.Equal(1, Sim.Masters(nodes));

            // ...the highest priority, and it stays so.
            int masters = 0;
            net.AfterStep = () => masters = Math.Max(masters, Sim.Masters(nodes));
            net.Run(TimeSpan.FromSeconds(5));
            net.AfterStep = null;
            Assert.Equal(1, masters);
            Assert.Equal(VrrpState.Master, nodes[2].State);
        }
    }

    [Fact]
    public void Random_packet_loss_never_gives_a_dual_master_after_convergence()
    {
        var net = new SimulatedNetwork(seed: 1234) { Loss = 0.10 };
        var nodes = StartOn(net, 10, ("192.0.2.1", Sim.Options("a", 100)), ("192.0.2.2", Sim.Options("b", 150)), ("192.0.2.3", Sim.Options("c", 200)));
        Assert.Equal(VrrpState.Master, nodes[2].State);

        int maxMasters = 0;
        int zeroMasterSteps = 0;
        net.AfterStep = () =>
        {
            int m = Sim.Masters(nodes);
            maxMasters = Math.Max(maxMasters, m);
            zeroMasterSteps += m == 0 ? 1 : 0;
        };
        net.Run(TimeSpan.FromMinutes(5));
        Assert.Equal(1, maxMasters);
        Assert.Equal(0, zeroMasterSteps);
        Assert.Equal(VrrpState.Master, nodes[2].State);
        Assert.True(net.Delivered < net.Sent * 3, "loss was applied");
    }

    [Fact]
    public void Heavy_loss_dual_masters_are_resolved_by_the_immediate_advert()
    {
        // 40 % loss on every link: backups will time out now and then. A lower-priority master is corrected at once:
        // the real master answers its first advert with one of its own (RFC 9568 6.4.3), so dual mastership is short.
        var net = new SimulatedNetwork(seed: 99) { Loss = 0.40 };
        var hi = Sim.Node(net, "192.0.2.1", Sim.Options("hi", 200));
        var lo = Sim.Node(net, "192.0.2.2", Sim.Options("lo", 100));
        Sim.Start(hi, lo);
        net.Run(TimeSpan.FromSeconds(10));

        int episodes = 0;
        TimeSpan longest = TimeSpan.Zero;
        DateTimeOffset? since = null;
        net.AfterStep = () =>
        {
            bool dual = hi.State == VrrpState.Master && lo.State == VrrpState.Master;
            if (dual && since is null)
            {
                since = net.Now;
                episodes++;
            }
            else if (!dual && since is { } s)
            {
                longest = longest > net.Now - s ? longest : net.Now - s;
                since = null;
            }
        };
        net.Run(TimeSpan.FromMinutes(10));
        Assert.Null(since);
        Assert.True(episodes > 0, "the loss rate should provoke takeovers");
        // Each advert crosses with 60 % probability; being wrong for a whole second several times in a row is rare.
        Assert.True(longest <= TimeSpan.FromSeconds(4), $"longest dual-master episode {longest}");
        Assert.Equal(VrrpState.Master, hi.State);
    }

    [Fact]
    public void Equal_priorities_the_higher_address_wins()
    {
        var (_, a, b, c) = Started(10, ("192.0.2.10", Sim.Options("a", 100)), ("192.0.2.9", Sim.Options("b", 100)), ("192.0.2.200", Sim.Options("c", 100)));
        Assert.Equal(VrrpState.Master, c.State);
        Assert.Equal(VrrpState.Backup, a.State);
        Assert.Equal(VrrpState.Backup, b.State);
        Assert.True(a.Router.GetStatistics().AdvertisementsReceived > 5);
    }

    [Fact]
    public void Equal_priorities_compare_addresses_unsigned_in_network_order()
    {
        // 192.0.2.2 > 128.0.0.1 > 10.x would be wrong if compared as signed bytes; use 198.51.100.1 (0xC6) vs 192.0.2.250 (0xC0).
        var (_, a, b) = Started(10, ("198.51.100.1", Sim.Options("a", 100)), ("192.0.2.250", Sim.Options("b", 100)));
        Assert.Equal(VrrpState.Master, a.State);
        Assert.Equal(VrrpState.Backup, b.State);
    }

    [Fact]
    public async Task Preemption_a_higher_priority_node_takes_over_a_running_master()
    {
        var (net, lo, hi) = MasterAndLateJoiner(Sim.Options("lo", 100), Sim.Options("hi", 200));
        Assert.Equal(VrrpState.Master, lo.State);
        await Sim.IdleAsync(lo); // lo has bound the VIP (its action queue runs in real time, the clock is fake)

        Sim.Start(hi);
        var elapsed = net.RunUntil(() => hi.State == VrrpState.Master, TimeSpan.FromSeconds(10));
        Assert.NotNull(elapsed);
        Assert.InRange(elapsed.Value, Sim.MasterDown(200, OneSecond) - Tick, Sim.MasterDown(200, OneSecond) + Tick);
        await Sim.IdleAsync(hi); // the preempting advert leaves once the VIP is bound and announced (make before break)
        net.Run(TimeSpan.FromMilliseconds(50));
        Assert.Equal(VrrpState.Backup, lo.State);
        await Sim.IdleAsync(lo, hi);
        Assert.Contains(hi.Events, e => e.NewState == VrrpState.Master && e.Reason == VrrpTransitionReason.Preempted);
        Assert.Contains(lo.Events, e => e.OldState == VrrpState.Master && e.NewState == VrrpState.Backup && e.Reason == VrrpTransitionReason.HigherPriorityAdvert);
        Assert.False(lo.Binder.IsBound(Sim.Vip4));
        Assert.Equal(["add 192.0.2.100/24", "remove 192.0.2.100/24"], lo.Binder.CallLog());
        Assert.Equal(0, lo.Announcer.Active);
        Assert.True(hi.Binder.IsBound(Sim.Vip4));
    }

    [Fact]
    public async Task Preemption_binds_the_vip_before_the_first_advert_make_before_break()
    {
        // The old master lets go of the VIP when it hears the preempting router's first advert; that advert must
        // therefore leave only once the VIP is bound, or clients lose the bind time (issue 16, item 2).
        var (net, lo, hi) = MasterAndLateJoiner(Sim.Options("lo", 100), Sim.Options("hi", 200));
        var masterAdverts = new System.Collections.Concurrent.ConcurrentQueue<bool>();
        hi.Transport.OnSend = p =>
        {
            if (p[2] == 200)
            {
                masterAdverts.Enqueue(hi.Binder.IsBound(Sim.Vip4) && hi.Announcer.Started > 0);
            }
        };

        Sim.Start(hi);
        Assert.NotNull(net.RunUntil(() => hi.State == VrrpState.Master, TimeSpan.FromSeconds(10)));
        await Sim.IdleAsync(hi);
        net.Run(TimeSpan.FromMilliseconds(50)); // the advert follows the announcement by HandoverAnnounceLead (20 ms at 1 s)
        await Sim.IdleAsync(lo, hi);
        Assert.Equal(VrrpState.Backup, lo.State);
        Assert.NotEmpty(masterAdverts);
        Assert.All(masterAdverts, bound => Assert.True(bound));

        // A crash takeover (no live master) still advertises at the transition, as RFC 9568 6.4.2 says.
        hi.Transport.OnSend = null;
        bool? boundAtFirstAdvert = null;
        lo.Transport.OnSend = p => boundAtFirstAdvert ??= p[2] == 100 ? lo.Binder.IsBound(Sim.Vip4) : null;
        hi.Transport.Crashed = true;
        Assert.NotNull(net.RunUntil(() => lo.State == VrrpState.Master, TimeSpan.FromSeconds(10)));
        Assert.False(boundAtFirstAdvert);
    }

    [Fact]
    public void Preemption_off_a_higher_priority_node_stays_backup()
    {
        var (net, lo, hi) = MasterAndLateJoiner(Sim.Options("lo", 100), Sim.Options("hi", 200, o => o.Preempt = false));
        Sim.Start(hi);
        net.Run(TimeSpan.FromSeconds(30));
        Assert.Equal(VrrpState.Master, lo.State);
        Assert.Equal(VrrpState.Backup, hi.State);

        // ... but it still takes over when the master dies.
        lo.Transport.Crashed = true;
        net.Run(TimeSpan.FromSeconds(4));
        Assert.Equal(VrrpState.Master, hi.State);
    }

    [Fact]
    public async Task Preempt_delay_postpones_the_takeover_keepalived_style()
    {
        // keepalived man page: priority 128 takes over after ~3.5 s, plus preempt_delay.
        var (net, lo, hi) = MasterAndLateJoiner(Sim.Options("lo", 100), Sim.Options("hi", 128, o => o.PreemptDelay = TimeSpan.FromSeconds(5)), 10.5);
        Assert.Equal(VrrpState.Master, lo.State);

        Sim.Start(hi);
        var elapsed = net.RunUntil(() => hi.State == VrrpState.Master, TimeSpan.FromSeconds(20));
        Assert.NotNull(elapsed);
        // Lower adverts are accepted for the delay, then ignored: takeover = last accepted advert + Master_Down_Interval.
        var down = Sim.MasterDown(128, OneSecond); // 3.5 s
        Assert.InRange(elapsed.Value, TimeSpan.FromSeconds(5) + down - OneSecond - Tick, TimeSpan.FromSeconds(5) + down + Tick);
        await Sim.IdleAsync(hi); // the preempting advert leaves once the VIP is bound and announced (make before break)
        net.Run(TimeSpan.FromMilliseconds(50));
        Assert.Equal(VrrpState.Backup, lo.State);
    }

    [Fact]
    public async Task Priority_zero_on_shutdown_the_backup_takes_over_after_skew_time_only()
    {
        var (net, a, b) = Started(10.3, ("192.0.2.1", Sim.Options("a", 200)), ("192.0.2.2", Sim.Options("b", 100)));
        Assert.Equal(VrrpState.Master, a.State);

        await a.Router.StopAsync(TestContext.Current.CancellationToken);
        var stoppedAt = net.Now;
        Assert.Equal(VrrpState.Initialize, a.State);
        Assert.False(a.Binder.IsBound(Sim.Vip4));
        Assert.Equal(0, a.Announcer.Active);
        Assert.Equal(1, a.Router.GetStatistics().PriorityZeroSent);
        Assert.Contains(a.Events, e => e.NewState == VrrpState.Initialize && e.Reason == VrrpTransitionReason.Shutdown);

        var elapsed = net.RunUntil(() => b.State == VrrpState.Master, TimeSpan.FromSeconds(5));
        Assert.NotNull(elapsed);
        var skew = Sim.Skew(100, OneSecond); // 156/256 s = 609 ms
        // The priority-0 advert reaches b one simulation step after StopAsync.
        Assert.InRange(net.Now - stoppedAt - Tick, skew - Tick, skew + Tick);
        await Sim.IdleAsync(b);
        Assert.Contains(b.Events, e => e.NewState == VrrpState.Master && e.Reason == VrrpTransitionReason.PriorityZeroReceived);
        Assert.Equal(1, b.Router.GetStatistics().PriorityZeroReceived);
    }

    [Fact]
    public async Task Address_owner_255_becomes_master_at_once()
    {
        var (net, a, owner) = MasterAndLateJoiner(Sim.Options("a", 100), Sim.Options("owner", 255));
        Assert.Equal(VrrpState.Master, a.State);

        Sim.Start(owner);
        Assert.Equal(VrrpState.Master, owner.State); // no waiting at all
        net.Run(TimeSpan.FromMilliseconds(2));
        Assert.Equal(VrrpState.Backup, a.State);
        await Sim.IdleAsync(owner);
        Assert.Contains(owner.Events, e => e.OldState == VrrpState.Initialize && e.NewState == VrrpState.Master && e.Reason == VrrpTransitionReason.Startup);
    }

    [Fact]
    public void Backup_adopts_the_interval_advertised_by_the_master()
    {
        var net = new SimulatedNetwork();
        var fast = TimeSpan.FromMilliseconds(100);
        var m = Sim.Node(net, "192.0.2.1", Sim.Options("m", 200, o => o.AdvertisementInterval = fast));
        var b = Sim.Node(net, "192.0.2.2", Sim.Options("b", 100)); // configured 1 s
        Sim.Start(m, b);
        net.Run(TimeSpan.FromSeconds(5));
        Assert.Equal(VrrpState.Master, m.State);
        Assert.Equal(fast, b.Router.MasterAdvertisementInterval);
        Assert.True(b.Router.GetStatistics().IntervalMismatches > 0);

        long received = b.Router.GetStatistics().AdvertisementsReceived;
        net.RunUntil(() => b.Router.GetStatistics().AdvertisementsReceived > received, TimeSpan.FromSeconds(1));
        var last = net.Now;
        m.Transport.Crashed = true;
        net.RunUntil(() => b.State == VrrpState.Master, TimeSpan.FromSeconds(5));
        var expected = Sim.MasterDown(100, fast); // 300 ms + 60.9 ms
        Assert.InRange(net.Now - last, expected - Tick, expected + Tick);

        // Once master, it advertises its own configured interval.
        Assert.Equal(TimeSpan.FromSeconds(1), b.Router.MasterAdvertisementInterval);
    }

    [Fact]
    public void IPv6_routers_elect_like_IPv4()
    {
        var (_, a, b) = Started(10, ("2001:db8::1", Sim.Options("a", 100, ipv6: true)), ("2001:db8::2", Sim.Options("b", 100, ipv6: true)));
        Assert.Equal(VrrpState.Master, b.State); // equal priority: higher address
        Assert.Equal(VrrpState.Backup, a.State);
        Assert.Equal(0, a.Router.GetStatistics().TotalRejected);
        Assert.True(a.Router.GetStatistics().AdvertisementsReceived > 5);
    }

    [Fact]
    public void Own_multicast_packets_are_dropped_and_counted()
    {
        var net = new SimulatedNetwork();
        var a = Sim.Node(net, "192.0.2.1", Sim.Options("a", 200));
        Sim.Start(a);
        net.Run(TimeSpan.FromSeconds(10));
        Assert.Equal(VrrpState.Master, a.State);
        var stats = a.Router.GetStatistics();
        Assert.True(stats.GetInterfaceRejected(VrrpRejectReason.OwnPacket) > 5);
        Assert.Equal(0, stats.AdvertisementsReceived);
    }

    [Fact]
    public void Several_vrids_share_one_transport_and_elect_independently()
    {
        // Active/active: a is master of VRID 1, b of VRID 2, over one transport per node (dispatch by VRID).
        var vip2 = VirtualIp.Addressing.VipAddress.Parse("192.0.2.101/24");
        var net = new SimulatedNetwork();
        var a = Sim.Node(net, "192.0.2.1", Sim.Options("a1", 200, vrid: 1), Sim.Options("a2", 100, o => o.Vips = [vip2], vrid: 2));
        var b = Sim.Node(net, "192.0.2.2", Sim.Options("b1", 100, vrid: 1), Sim.Options("b2", 200, o => o.Vips = [vip2], vrid: 2));
        Sim.Start(a, b);
        net.Run(TimeSpan.FromSeconds(10));
        Assert.Equal([VrrpState.Master, VrrpState.Backup], a.Routers.Select(r => r.State).ToArray());
        Assert.Equal([VrrpState.Backup, VrrpState.Master], b.Routers.Select(r => r.State).ToArray());
        Assert.Equal(1, a.Transport.StartCount);
        Assert.All(a.Routers.Concat(b.Routers), r => Assert.Equal(0, r.GetStatistics().TotalRejected));
        Assert.Equal(0, a.Router.GetStatistics().GetInterfaceRejected(VrrpRejectReason.UnknownVirtualRouter));

        // b's VRID 2 master fails over to a without disturbing VRID 1.
        b.Routers[1].UpdateTracking(200, fault: true, "test");
        net.Run(TimeSpan.FromSeconds(1));
        Assert.Equal([VrrpState.Master, VrrpState.Master], a.Routers.Select(r => r.State).ToArray());
        Assert.Equal([VrrpState.Backup, VrrpState.Fault], b.Routers.Select(r => r.State).ToArray());
    }

    /// <summary>Nodes (address, router options) on a fresh segment, all started, after <paramref name="seconds"/> of simulated time.</summary>
    private static Segment Started(double seconds, params (string Address, VrrpRouterOptions Options)[] nodes)
    {
        var net = new SimulatedNetwork();
        return new Segment(net, StartOn(net, seconds, nodes));
    }

    /// <summary>Nodes (address, router options) on <paramref name="net"/>, all started, after <paramref name="seconds"/> of simulated time.</summary>
    private static SimNode[] StartOn(SimulatedNetwork net, double seconds, params (string Address, VrrpRouterOptions Options)[] nodes)
    {
        var started = nodes.Select(n => Sim.Node(net, n.Address, n.Options)).ToArray();
        Sim.Start(started);
        net.Run(TimeSpan.FromSeconds(seconds));
        return started;
    }

    /// <summary>
    /// A node at 192.0.2.1 started alone on a fresh segment and run for <paramref name="seconds"/> of simulated time
    /// (long enough to become master), and a node at 192.0.2.2 created but not started yet.
    /// </summary>
    private static (SimulatedNetwork Net, SimNode Running, SimNode Late) MasterAndLateJoiner(VrrpRouterOptions running, VrrpRouterOptions late, double seconds = 10)
    {
        var net = new SimulatedNetwork();
        var first = Sim.Node(net, "192.0.2.1", running);
        var second = Sim.Node(net, "192.0.2.2", late);
        Sim.Start(first);
        net.Run(TimeSpan.FromSeconds(seconds));
        return (net, first, second);
    }

    /// <summary>A simulated segment and its nodes, in the order given (deconstructs into the network and two or three nodes).</summary>
    private sealed class Segment(SimulatedNetwork net, SimNode[] nodes)
    {
        public void Deconstruct(out SimulatedNetwork network, out SimNode a, out SimNode b) => (network, a, b) = (net, nodes[0], nodes[1]);

        public void Deconstruct(out SimulatedNetwork network, out SimNode a, out SimNode b, out SimNode c) => (network, a, b, c) = (net, nodes[0], nodes[1], nodes[2]);
    }
}
