using System.Net;
using VirtualIp.Election;
using VirtualIp.Tests.Vrrp.StateMachine;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Vrrp.Auth;

/// <summary>Forged and replayed adverts interleaved with a live master's: the backup keeps following the master.</summary>
public sealed class AttackDuringElectionTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_backup_under_attack_keeps_accepting_its_masters_adverts(bool ipv6)
    {
        var net = new SimulatedNetwork();
        var aAddr = IPAddress.Parse(ipv6 ? "fe80::a" : "192.0.2.1");
        var bAddr = IPAddress.Parse(ipv6 ? "fe80::b" : "192.0.2.2");
        var attacker = IPAddress.Parse(ipv6 ? "fe80::66" : "192.0.2.66");
        var group = ipv6 ? SimulatedNetwork.MulticastV6 : SimulatedNetwork.MulticastV4;
        void Configure(VrrpRouterOptions o)
        {
            o.AdvertisementInterval = TimeSpan.FromMilliseconds(100);
            o.AuthHmac = new VrrpAuthHmacOptions { Keys = [AuthenticatedElectionTests.Key1, AuthenticatedElectionTests.Key2], ActiveKey = 1 };
        }

        var a = Sim.Node(net, aAddr, [], Sim.Options("a", 150, Configure, ipv6: ipv6));
        var b = Sim.Node(net, bAddr, [], Sim.Options("b", 100, Configure, ipv6: ipv6));
        a.Transport.RecordSent = true;
        Sim.Start(a, b);
        Assert.NotNull(net.RunUntil(() => a.State == VrrpState.Master && b.State == VrrpState.Backup, TimeSpan.FromSeconds(10)));
        net.Run(TimeSpan.FromSeconds(1));
        long transitions = b.Router.GetStatistics().Transitions;
        var captured = a.Transport.SentPayloads[^1];
        byte[] wrong = [.. Enumerable.Range(7, 32).Select(i => (byte)i)];
        for (int i = 0; i < 500; i++)
        {
            SimulatedNetwork.Inject(b.Transport, AuthenticatedElectionTests.ForgedForTests(ipv6, attacker, group, net.Now, null), attacker, group);
            SimulatedNetwork.Inject(b.Transport, AuthenticatedElectionTests.ForgedForTests(ipv6, attacker, group, net.Now, wrong), attacker, group);
            SimulatedNetwork.Inject(b.Transport, AuthenticatedElectionTests.ForgedForTests(ipv6, attacker, group, net.Now.AddMinutes(-1), KeepalivedHmacVectorTests.Key1), attacker, group);
            SimulatedNetwork.Inject(b.Transport, captured, aAddr, group);
            net.Run(TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(transitions, b.Router.GetStatistics().Transitions);
        Assert.Equal(VrrpState.Backup, b.State);
        Assert.InRange(b.Router.GetStatistics().GetRejected(VrrpRejectReason.Replay), 499, 500);
    }
}
