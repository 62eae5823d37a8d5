using VirtualIp.Control;
using VirtualIp.Election;
using VirtualIp.Tests.Vrrp.StateMachine;

namespace VirtualIp.Tests.Control;

/// <summary>Runtime control on the simulated segment (fake time): each action, tracking, preemption and the audit records.</summary>
public sealed class RouterControlTests
{
    private static readonly ControlRequest Alice = new("alice", "kernel update");
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private readonly List<RouterControlEvent> _audit = [];

    private IVirtualRouterControl Control(SimNode node, int index = 0) => VirtualRouterControl.Find(node.Routers, node.Routers[index].Name, _audit.Add);

    private static (SimulatedNetwork, SimNode, SimNode) MasterAndBackup(int a = 200, int b = 100)
    {
        var net = new SimulatedNetwork();
        var na = Sim.Node(net, "192.0.2.1", Sim.Options("a", a));
        var nb = Sim.Node(net, "192.0.2.2", Sim.Options("b", b));
        Sim.Start(na, nb);
        net.Run(TimeSpan.FromSeconds(10));
        Assert.Equal(VrrpState.Master, na.State);
        Assert.Equal(VrrpState.Backup, nb.State);
        return (net, na, nb);
    }

    [Fact]
    public async Task Resign_hands_over_after_skew_time_and_does_not_preempt_back_until_cleared()
    {
        var (net, a, b) = MasterAndBackup();
        var status = Control(a).Resign(Alice);
        Assert.Equal(VrrpState.Backup, status.State);
        Assert.Equal(ControlOverrides.Resign, Assert.Single(status.Overrides).Kind);
        Assert.Equal(VrrpTransitionReason.Administrative, status.LastTransition!.Reason);
        Assert.Contains("alice: kernel update", status.LastTransition.Detail, StringComparison.Ordinal);

        var took = net.RunUntil(() => b.State == VrrpState.Master, Second);
        Assert.NotNull(took);
        Assert.True(took <= Sim.Skew(100, Second) + TimeSpan.FromMilliseconds(3), $"took {took}");
        net.Run(TimeSpan.FromSeconds(10)); // a has the higher priority and preempts normally: not while resigned
        Assert.Equal(VrrpState.Backup, a.State);
        Assert.Equal(VrrpState.Master, b.State);
        Assert.Equal(b.Address, Control(a).GetStatus().MasterAddress);

        Control(a).Clear(ControlOverrides.All, new ControlRequest("bob", "done"));
        Assert.NotNull(net.RunUntil(() => a.State == VrrpState.Master, TimeSpan.FromSeconds(5)));
        await Sim.IdleAsync(a); // the preempting advert leaves once the VIP is bound and announced (make before break)
        net.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(VrrpState.Master, a.State);
        Assert.Equal(VrrpState.Backup, b.State);
        await Sim.IdleAsync(a, b);
        Assert.False(b.Binder.IsBound(Sim.Vip4));
        Assert.Equal([RouterControlAction.Resign, RouterControlAction.Resume], _audit.Select(e => e.Action));
        Assert.Equal(["alice", "bob"], _audit.Select(e => e.By));
        Assert.Equal(VrrpState.Backup, _audit[0].State);
    }

    [Fact]
    public void Resign_with_a_delay_comes_back_by_itself()
    {
        var (net, a, b) = MasterAndBackup();
        var status = Control(a).Resign(Alice, TimeSpan.FromSeconds(5));
        Assert.Equal(net.Now + TimeSpan.FromSeconds(5), Assert.Single(status.Overrides).Until);
        net.Run(TimeSpan.FromSeconds(4));
        Assert.Equal(VrrpState.Backup, a.State);
        Assert.Equal(VrrpState.Master, b.State);
        net.Run(TimeSpan.FromSeconds(6));
        Assert.Equal(VrrpState.Master, a.State);
        Assert.Empty(Control(a).GetStatus().Overrides);
        var resumed = _audit[^1];
        Assert.Equal((RouterControlAction.Resume, "timer"), (resumed.Action, resumed.By));
    }

    [Fact]
    public void Maintenance_never_becomes_master_even_alone_until_turned_off()
    {
        var (net, a, b) = MasterAndBackup();
        Control(b).SetMaintenance(true, Alice);
        Control(a).SetMaintenance(true, Alice); // a hands over to nobody: b is in maintenance too
        net.Run(TimeSpan.FromSeconds(20));
        Assert.Equal(VrrpState.Backup, a.State);
        Assert.Equal(VrrpState.Backup, b.State);

        var status = Control(b).SetMaintenance(false, new ControlRequest("bob", "done"));
        Assert.Empty(status.Overrides);
        var took = net.RunUntil(() => b.State == VrrpState.Master, TimeSpan.FromSeconds(5));
        Assert.NotNull(took);
        Assert.True(took <= Sim.MasterDown(100, Second) + TimeSpan.FromMilliseconds(3), $"took {took}");
        net.Run(TimeSpan.FromSeconds(10));
        Assert.Equal(VrrpState.Backup, a.State); // still in maintenance: does not preempt the lower b
        Assert.Equal(
            [RouterControlAction.MaintenanceOn, RouterControlAction.MaintenanceOn, RouterControlAction.MaintenanceOff],
            _audit.Select(e => e.Action));
    }

    [Fact]
    public async Task Priority_override_is_not_overwritten_by_tracking_until_cleared()
    {
        var (net, a, b) = MasterAndBackup(200, 150);
        Control(a).OverridePriority(100, Alice);
        Assert.NotNull(net.RunUntil(() => b.State == VrrpState.Master, TimeSpan.FromSeconds(5)));
        await Sim.IdleAsync(b); // the preempting advert leaves once the VIP is bound and announced (make before break)
        net.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(VrrpState.Master, b.State); // b preempted the lower advert
        Assert.Equal(VrrpState.Backup, a.State);

        a.Router.UpdateTracking(220, fault: false, "check up");
        var status = Control(a).GetStatus();
        Assert.Equal((200, 220, 100), (status.BasePriority, status.TrackedPriority, status.EffectivePriority));
        Assert.Equal(100, Assert.Single(status.Overrides).Priority);
        net.Run(TimeSpan.FromSeconds(5));
        Assert.Equal(VrrpState.Master, b.State);

        status = Control(a).Clear(ControlOverrides.Priority, Alice);
        Assert.Equal(220, status.EffectivePriority);
        Assert.NotNull(net.RunUntil(() => a.State == VrrpState.Master, TimeSpan.FromSeconds(5)));
        await Sim.IdleAsync(a); // the preempting advert leaves once the VIP is bound and announced (make before break)
        net.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(VrrpState.Master, a.State);
        Assert.Equal([RouterControlAction.OverridePriority, RouterControlAction.ClearPriority], _audit.Select(e => e.Action));
        Assert.Equal(100, _audit[0].Priority);
    }

    [Fact]
    public void A_tracking_fault_still_wins_over_a_priority_override()
    {
        var (net, a, b) = MasterAndBackup();
        Control(a).OverridePriority(250, Alice);
        a.Router.UpdateTracking(200, fault: true, "check down");
        Assert.Equal(VrrpState.Fault, a.State);
        net.Run(TimeSpan.FromSeconds(2));
        Assert.Equal(VrrpState.Master, b.State);
        Assert.True(Control(a).GetStatus().Fault);
    }

    [Fact]
    public async Task Takeover_makes_a_backup_master_now_and_ending_it_lets_the_master_preempt_back()
    {
        var (net, a, b) = MasterAndBackup();
        var status = Control(b).Takeover(Alice);
        Assert.Equal((VrrpState.Master, 254), (status.State, status.EffectivePriority));
        Assert.Equal(VrrpTransitionReason.Administrative, status.LastTransition!.Reason);
        net.Run(TimeSpan.FromMilliseconds(10));
        Assert.Equal(VrrpState.Backup, a.State); // a heard 254 > 200
        net.Run(TimeSpan.FromSeconds(10));
        Assert.Equal(VrrpState.Master, b.State);
        await Sim.IdleAsync(a, b);
        Assert.True(b.Binder.IsBound(Sim.Vip4));
        Assert.False(a.Binder.IsBound(Sim.Vip4));
        Assert.Contains(a.Events, e => e.NewState == VrrpState.Backup && e.Reason == VrrpTransitionReason.HigherPriorityAdvert);

        Control(b).Clear(ControlOverrides.Takeover, new ControlRequest("bob", "drill over"));
        Assert.Equal(100, Control(b).GetStatus().EffectivePriority);
        Assert.NotNull(net.RunUntil(() => a.State == VrrpState.Master, TimeSpan.FromSeconds(5)));
        await Sim.IdleAsync(a); // the preempting advert leaves once the VIP is bound and announced (make before break)
        net.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(VrrpState.Master, a.State);
        Assert.Equal(VrrpState.Backup, b.State);
        Assert.Equal([RouterControlAction.Takeover, RouterControlAction.EndTakeover], _audit.Select(e => e.Action));
    }

    [Fact]
    public void Takeover_is_refused_in_maintenance_or_fault_and_misuse_names_the_value()
    {
        var (_, a, b) = MasterAndBackup();
        Control(b).SetMaintenance(true, Alice);
        Assert.Contains("maintenance", Assert.Throws<InvalidOperationException>(() => Control(b).Takeover(Alice)).Message, StringComparison.Ordinal);
        a.Router.UpdateTracking(200, fault: true, "down");
        Assert.Contains("Fault", Assert.Throws<InvalidOperationException>(() => Control(a).Takeover(Alice)).Message, StringComparison.Ordinal);
        Assert.Equal("priority", Assert.Throws<ArgumentOutOfRangeException>(() => Control(a).OverridePriority(255, Alice)).ParamName);
        Assert.Equal("comeBackAfter", Assert.Throws<ArgumentOutOfRangeException>(() => Control(a).Resign(Alice, TimeSpan.Zero)).ParamName);
        Assert.Throws<ArgumentException>(() => new ControlRequest("alice", " "));
        Assert.Throws<KeyNotFoundException>(() => VirtualRouterControl.Find(a.Routers, "nope", _audit.Add));
    }

    [Fact]
    public void Resign_ends_a_takeover_and_maintenance_ends_it_too()
    {
        var (net, a, b) = MasterAndBackup();
        Control(b).Takeover(Alice);
        net.Run(TimeSpan.FromSeconds(2));
        var status = Control(b).Resign(Alice);
        Assert.Equal(ControlOverrides.Resign, Assert.Single(status.Overrides).Kind);
        Assert.Equal(100, status.EffectivePriority);
        net.Run(TimeSpan.FromSeconds(2));
        Assert.Equal(VrrpState.Master, a.State);
        Assert.Equal([RouterControlAction.Takeover, RouterControlAction.EndTakeover, RouterControlAction.Resign], _audit.Select(e => e.Action));
    }
}
