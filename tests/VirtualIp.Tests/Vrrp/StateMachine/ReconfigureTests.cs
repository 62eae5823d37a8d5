using VirtualIp.Addressing;
using VirtualIp.Election;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Vrrp.StateMachine;

/// <summary><see cref="VrrpRouter.Reconfigure"/> on the deterministic simulation: changes apply in place, a master that stays master keeps its VIPs.</summary>
public sealed class ReconfigureTests
{
    private static readonly VipAddress Vip2 = VipAddress.Parse("192.0.2.101/24");

    private static VrrpRouterConfiguration Config(string name, int priority, Action<VrrpRouterOptions>? configure = null) =>
        VrrpRouterConfiguration.FromValidated(Sim.Options(name, priority, configure));

    private static (SimulatedNetwork Net, SimNode A, SimNode B) Pair()
    {
        var net = new SimulatedNetwork();
        var a = Sim.Node(net, "192.0.2.1", Sim.Options("a", 200));
        var b = Sim.Node(net, "192.0.2.2", Sim.Options("b", 150));
        Sim.Start(a, b);
        net.Run(TimeSpan.FromSeconds(10));
        Assert.Equal(VrrpState.Master, a.State);
        return (net, a, b);
    }

    [Fact]
    public async Task A_master_gets_a_vip_more_without_releasing_the_one_it_holds()
    {
        var (net, a, b) = Pair();
        await Sim.IdleAsync(a);
        int events = a.Events.Count;
        a.Router.Reconfigure(Config("a", 220, o => o.Vips.Add(Vip2)));
        net.Run(TimeSpan.FromSeconds(3));
        await Sim.IdleAsync(a, b);
        Assert.Equal(VrrpState.Master, a.State);
        Assert.Equal(220, a.Router.Priority);
        Assert.True(a.Binder.IsBound(Sim.Vip4));
        Assert.True(a.Binder.IsBound(Vip2));
        Assert.Equal(["add 192.0.2.100/24", "add 192.0.2.101/24"], a.Binder.CallLog());
        Assert.Equal(events, a.Events.Count);
        Assert.Equal(VrrpState.Backup, b.State);

        a.Router.Reconfigure(Config("a", 220));
        await Sim.IdleAsync(a);
        Assert.False(a.Binder.IsBound(Vip2));
        Assert.True(a.Binder.IsBound(Sim.Vip4));
        Assert.Equal("remove 192.0.2.101/24", a.Binder.CallLog()[^1]);
    }

    [Fact]
    public async Task Priority_and_preempt_changes_decide_the_next_election()
    {
        var (net, a, b) = Pair();
        b.Router.Reconfigure(Config("b", 250, o => o.Preempt = false));
        net.Run(TimeSpan.FromSeconds(5));
        Assert.Equal(VrrpState.Backup, b.State);

        b.Router.Reconfigure(Config("b", 250));
        Assert.NotNull(net.RunUntil(() => b.State == VrrpState.Master, TimeSpan.FromSeconds(5)));
        await Sim.IdleAsync(b); // the preempting advert leaves once the VIP is bound and announced (make before break)
        net.Run(TimeSpan.FromSeconds(1));
        await Sim.IdleAsync(a, b);
        Assert.Equal(VrrpState.Master, b.State);
        Assert.Equal(VrrpState.Backup, a.State);
        Assert.Contains(b.Events, e => e.NewState == VrrpState.Master && e.Reason == VrrpTransitionReason.Preempted);
    }

    [Fact]
    public void A_new_interval_is_advertised_and_adopted()
    {
        var (net, a, b) = Pair();
        a.Router.Reconfigure(Config("a", 200, o => o.AdvertisementInterval = TimeSpan.FromMilliseconds(300)));
        net.Run(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromMilliseconds(300), b.Router.MasterAdvertisementInterval);
        Assert.Equal(VrrpState.Master, a.State);
        Assert.Equal(VrrpState.Backup, b.State);
    }

    [Fact]
    public void Identity_changes_are_refused_and_reported_as_needing_a_new_router()
    {
        var (_, a, _) = Pair();
        var moved = Config("a", 200, o => o.VirtualRouterId = 61);
        Assert.False(Config("a", 200).CanReconfigureTo(moved));
        Assert.True(Config("a", 200).CanReconfigureTo(Config("a", 10, o => o.Vips.Add(Vip2))));
        Assert.Throws<ArgumentException>(() => a.Router.Reconfigure(moved));
        Assert.Equal(51, a.Router.VirtualRouterId);
    }

    [Fact]
    public void A_new_active_hmac_key_is_switched_in_place()
    {
        static void Hmac(VrrpRouterOptions o, int active) => o.AuthHmac = new VrrpAuthHmacOptions
        {
            Keys = ["1:hex:" + new string('a', 64), "2:hex:" + new string('b', 64)],
            ActiveKey = active,
        };

        var net = new SimulatedNetwork();
        var a = Sim.Node(net, "192.0.2.1", Sim.Options("a", 200, o => Hmac(o, 1)));
        Sim.Start(a);
        net.Run(TimeSpan.FromSeconds(5));
        var next = Config("a", 200, o => Hmac(o, 2));
        Assert.True(Config("a", 200, o => Hmac(o, 1)).CanReconfigureTo(next));
        a.Router.Reconfigure(next);
        Assert.Equal((byte)2, a.Router.ActiveAuthKeyId);
        Assert.Equal(VrrpState.Master, a.State);
    }
}
