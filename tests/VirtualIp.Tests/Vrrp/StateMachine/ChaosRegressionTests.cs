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
}
