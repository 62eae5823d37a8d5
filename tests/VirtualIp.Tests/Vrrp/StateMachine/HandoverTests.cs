using VirtualIp.Election;

namespace VirtualIp.Tests.Vrrp.StateMachine;

/// <summary>
/// Make-before-break hand-back when the bind is slow (issue 16, item 2): under load the bind took longer than an advert
/// interval, and the advert timer or the reply to the old master's lower-priority advert made the old master let go while
/// clients still pointed at it. Every advert of the preempting router waits for the bind and the announcement.
/// </summary>
public sealed class HandoverTests
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    /// <summary>lo (100) master with its VIP bound; hi (200) created, not started, its binds held until <c>bind</c> completes.</summary>
    private static async Task<(SimulatedNetwork Net, SimNode Lo, SimNode Hi, TaskCompletionSource Bind)> LoMasterAndHiWithAHangingBindAsync()
    {
        var net = new SimulatedNetwork();
        var lo = Sim.Node(net, "192.0.2.1", Sim.Options("lo", 100));
        var hi = Sim.Node(net, "192.0.2.2", Sim.Options("hi", 200));
        Sim.Start(lo);
        net.Run(TimeSpan.FromSeconds(10));
        await Sim.IdleAsync(lo); // lo's own bind runs on its action queue (real time), not on the fake clock
        var bind = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hi.Binder.AddGate = bind.Task;
        return (net, lo, hi, bind);
    }

    [Fact]
    public async Task A_bind_slower_than_the_interval_delays_every_advert_of_the_preempting_router()
    {
        var (net, lo, hi, bind) = await LoMasterAndHiWithAHangingBindAsync();
        int sent = 0, early = 0;
        hi.Transport.OnSend = p =>
        {
            if (p[2] == 200)
            {
                Interlocked.Increment(ref sent);
                if (!(hi.Binder.IsBound(Sim.Vip4) && hi.Announcer.Started > 0))
                {
                    Interlocked.Increment(ref early);
                }
            }
        };

        Sim.Start(hi);
        Assert.NotNull(net.RunUntil(() => hi.State == VrrpState.Master, TimeSpan.FromSeconds(10)));

        // Two and a half intervals with the bind hanging: lo advertises (priority 100) twice and hi, now master, does not
        // answer it, nor does its advert timer fire; lo keeps the VIP and its clients.
        net.Run(TimeSpan.FromMilliseconds(2500));
        Assert.Equal(0, Volatile.Read(ref sent));
        Assert.Equal(VrrpState.Master, lo.State);
        Assert.True(lo.Binder.IsBound(Sim.Vip4));

        bind.SetResult();
        await Sim.IdleAsync(hi);
        net.Run(TimeSpan.FromMilliseconds(50)); // HandoverAnnounceLead (20 ms at 1 s)
        await Sim.IdleAsync(lo, hi);
        Assert.Equal(VrrpState.Backup, lo.State);
        Assert.False(lo.Binder.IsBound(Sim.Vip4));
        Assert.True(Volatile.Read(ref sent) > 0);
        Assert.Equal(0, Volatile.Read(ref early));
    }

    [Fact]
    public async Task A_hung_bind_lets_the_first_advert_leave_at_the_hand_back_limit()
    {
        var (net, lo, hi, bind) = await LoMasterAndHiWithAHangingBindAsync();
        Sim.Start(hi);
        Assert.NotNull(net.RunUntil(() => hi.State == VrrpState.Master, TimeSpan.FromSeconds(10)));
        var limit = hi.Routers[0].HandoverLimit;
        Assert.Equal(3 * OneSecond, limit);

        net.Run(limit - TimeSpan.FromMilliseconds(10));
        Assert.Equal(VrrpState.Master, lo.State);
        var elapsed = net.RunUntil(() => lo.State == VrrpState.Backup, TimeSpan.FromMilliseconds(100));
        Assert.NotNull(elapsed); // the deadline advert made lo yield

        bind.SetResult();
        await Sim.IdleAsync(lo, hi);
        Assert.True(hi.Binder.IsBound(Sim.Vip4));
    }
}
