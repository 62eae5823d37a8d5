using VirtualIp.Election;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Vrrp.StateMachine;

/// <summary>
/// Defects the chaos harness (eng/chaos, docs/chaos.md) found on the real kernel, reproduced deterministically on the
/// simulated segment.
/// </summary>
public sealed class ChaosRegressionTests
{
    /// <summary>
    /// Chaos seed 42, fault #3 (ours x3, freeze of a backup for 1.2 s): on SIGCONT the backup's overdue down timer fired
    /// before it read the master's queued advert, so it went Master and at once back to Backup; its bind of the VIP was
    /// still in progress when it left Master, and the announcement queued behind that bind then went out anyway: the
    /// client followed the backup's gratuitous ARP to a node without the VIP and lost the service for ~3 s, until its
    /// ARP entry expired (the master, which had already re-announced on the backup's advert, had no reason to again).
    /// The queued announcement must not go out once the router is no longer master.
    /// </summary>
    [Fact]
    public async Task A_router_that_leaves_Master_while_its_VIP_is_being_bound_does_not_announce_it()
    {
        var net = new SimulatedNetwork();
        var lo = Sim.Node(net, "192.0.2.1", Sim.Options("lo", 100));
        var hi = Sim.Node(net, "192.0.2.2", Sim.Options("hi", 200));
        net.Partition([lo.Address], [hi.Address]);
        var bind = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lo.Binder.AddGate = bind.Task; // lo's bind of the VIP takes a while
        Sim.Start(lo, hi);

        Assert.NotNull(net.RunUntil(() => lo.State == VrrpState.Master, TimeSpan.FromSeconds(10)));
        net.Heal();
        Assert.NotNull(net.RunUntil(() => lo.State == VrrpState.Backup, TimeSpan.FromSeconds(3))); // hi's advert (200 > 100)

        bind.SetResult(); // the bind completes after the router has left Master
        await Sim.IdleAsync(lo, hi);

        Assert.Equal(0, lo.Announcer.Started);
        Assert.Equal(0, lo.Announcer.Active);
        Assert.False(lo.Binder.IsBound(Sim.Vip4));
        Assert.Equal(VrrpState.Master, hi.State);
        Assert.Equal(1, hi.Announcer.Active);
    }

    /// <summary>
    /// Chaos seed 7, fault #7 (ours x3, partition of the master from the other routers but not from the client, 600 ms):
    /// the backup became master on its side and announced the VIP, so the client followed it; when the partition healed
    /// the master's advert reached the backup first, the backup yielded without another word, and the master, never
    /// hearing a second master, had no reason to announce again: the client sent to the old backup for 5.6 s. A router
    /// that yields to a higher-priority advert now sends one last advert, on which the winner re-announces.
    /// </summary>
    [Fact]
    public async Task After_a_partition_heals_the_winner_announces_again_even_when_its_advert_silences_the_loser_first()
    {
        var net = new SimulatedNetwork();
        var lo = Sim.Node(net, "192.0.2.1", Sim.Options("lo", 100));
        var hi = Sim.Node(net, "192.0.2.2", Sim.Options("hi", 200));
        Sim.Start(lo, hi);
        Assert.NotNull(net.RunUntil(() => hi.State == VrrpState.Master && lo.State == VrrpState.Backup, TimeSpan.FromSeconds(10)));
        await Sim.IdleAsync(lo, hi);

        net.Partition([lo.Address], [hi.Address]);
        Assert.NotNull(net.RunUntil(() => lo.State == VrrpState.Master, TimeSpan.FromSeconds(10)));
        await Sim.IdleAsync(lo, hi);
        int before = hi.Announcer.Started;
        long hiReceived = hi.Router.GetStatistics().AdvertisementsReceived, loSent = lo.Router.GetStatistics().AdvertisementsSent;
        net.Heal();

        Assert.NotNull(net.RunUntil(() => lo.State == VrrpState.Backup, TimeSpan.FromSeconds(3)));
        Assert.NotNull(net.RunUntil(() => hi.Router.GetStatistics().AdvertisementsReceived > hiReceived, TimeSpan.FromSeconds(1))); // lo's last word
        await Sim.IdleAsync(lo, hi);
        Assert.Equal(VrrpState.Master, hi.State);
        var hs = hi.Router.GetStatistics();
        Assert.True(hi.Announcer.Started > before, $"the master did not announce the VIP again after the partition healed (hi received {hs.AdvertisementsReceived - hiReceived}, rejected {hs.TotalRejected}; lo sent {lo.Router.GetStatistics().AdvertisementsSent - loSent}; started {hi.Announcer.Started} before {before})");
    }
}
