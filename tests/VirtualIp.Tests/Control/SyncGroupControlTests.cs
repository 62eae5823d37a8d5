using VirtualIp.Addressing;
using VirtualIp.Control;
using VirtualIp.Election;
using VirtualIp.Tests.Vrrp.StateMachine;

namespace VirtualIp.Tests.Control;

/// <summary>Runtime control of sync-group members: the group moves as one.</summary>
public sealed class SyncGroupControlTests
{
    private static readonly VipAddress Vip2 = VipAddress.Parse("192.0.2.101/24");
    private static readonly ControlRequest Alice = new("alice", "drill");
    private readonly List<RouterControlEvent> _audit = [];

    private static SimNode GroupNode(SimulatedNetwork net, string address, int priority) =>
        Sim.Node(net, address,
            Sim.Options($"{address}-51", priority, o => o.SyncGroup = "g", vrid: 51),
            Sim.Options($"{address}-52", priority, o => { o.SyncGroup = "g"; o.Vips = [Vip2]; }, vrid: 52));

    private IVirtualRouterControl Control(SimNode node, int index) => VirtualRouterControl.Find(node.Routers, node.Routers[index].Name, _audit.Add);

    [Fact]
    public void Maintenance_on_one_member_hands_the_whole_group_over_and_keeps_it_away()
    {
        var net = new SimulatedNetwork();
        var a = GroupNode(net, "192.0.2.1", 200);
        var b = GroupNode(net, "192.0.2.2", 100);
        Sim.Start(a, b);
        net.Run(TimeSpan.FromSeconds(10));
        Assert.All(a.Routers, r => Assert.Equal(VrrpState.Master, r.State));

        Control(a, 1).SetMaintenance(true, Alice);
        Assert.All(a.Routers, r => Assert.Equal(VrrpState.Backup, r.State));
        var took = net.RunUntil(() => b.Routers.All(r => r.State == VrrpState.Master), TimeSpan.FromSeconds(1));
        Assert.NotNull(took); // both members sent priority 0: Skew_Time, not Master_Down_Interval
        net.Run(TimeSpan.FromSeconds(10));
        Assert.All(a.Routers, r => Assert.Equal(VrrpState.Backup, r.State));

        Control(a, 1).SetMaintenance(false, Alice);
        net.Run(TimeSpan.FromSeconds(5));
        Assert.All(a.Routers, r => Assert.Equal(VrrpState.Master, r.State));
        Assert.All(b.Routers, r => Assert.Equal(VrrpState.Backup, r.State));
    }

    [Fact]
    public void Takeover_on_one_member_takes_the_whole_group_and_clearing_it_gives_it_back()
    {
        var net = new SimulatedNetwork();
        var a = GroupNode(net, "192.0.2.1", 200);
        var b = GroupNode(net, "192.0.2.2", 100);
        Sim.Start(a, b);
        net.Run(TimeSpan.FromSeconds(10));

        var status = Control(b, 0).Takeover(Alice);
        Assert.Equal(VrrpState.Master, status.State);
        Assert.All(b.Routers, r => Assert.Equal(VrrpState.Master, r.State));
        Assert.All(b.Routers, r => Assert.Equal(254, r.Priority));
        net.Run(TimeSpan.FromSeconds(5));
        Assert.All(a.Routers, r => Assert.Equal(VrrpState.Backup, r.State));
        Assert.All(b.Routers, r => Assert.Equal(VrrpState.Master, r.State));

        Control(b, 1).Clear(ControlOverrides.Takeover, Alice); // cleared through the other member: ends it for the group
        Assert.All(b.Routers, r => Assert.Equal(100, r.Priority));
        net.Run(TimeSpan.FromSeconds(5));
        Assert.All(a.Routers, r => Assert.Equal(VrrpState.Master, r.State));
        Assert.Equal(2, _audit.Count(e => e.Action == RouterControlAction.EndTakeover));
    }
}
