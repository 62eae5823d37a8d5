using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using VirtualIp.Election;
using VirtualIp.Tests.Vrrp.StateMachine;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Vrrp.Hardening;

/// <summary>
/// Issue 11: hostile and faulty input never changes state. Each test names the attack it stops; all time is the
/// simulated network's <c>FakeTimeProvider</c>.
/// </summary>
public sealed class HostileInputTests
{
    private static readonly IPAddress Attacker4 = IPAddress.Parse("192.0.2.66");
    private static readonly IPAddress Attacker6 = IPAddress.Parse("fe80::66");

    internal static byte[] Advert(byte vrid, byte priority, IPAddress source, IPAddress destination, ushort intervalCs = 100, bool ipv6 = false)
    {
        var vip = ipv6 ? Sim.Vip6 : Sim.Vip4;
        var message = new VrrpMessage(VrrpVersion.V3, vrid, priority, intervalCs, ipv6, vip.Address.GetAddressBytes());
        var buffer = new byte[VrrpCodec.GetEncodedLength(message)];
        int n = VrrpCodec.Write(buffer, message, source.GetAddressBytes(), destination.GetAddressBytes(), VrrpChecksumMode.WithPseudoHeader);
        return buffer[..n];
    }

    private static (SimulatedNetwork Net, SimNode Master, SimNode Backup) Pair(bool ipv6, Action<VrrpRouterOptions>? configure = null)
    {
        var net = new SimulatedNetwork();
        var m = Sim.Node(net, ipv6 ? "fe80::1" : "192.0.2.1", Sim.Options("m", 150, configure, vrid: ipv6 ? 52 : 51, ipv6: ipv6));
        var b = Sim.Node(net, ipv6 ? "fe80::2" : "192.0.2.2", Sim.Options("b", 100, configure, vrid: ipv6 ? 52 : 51, ipv6: ipv6));
        Sim.Start(m, b);
        net.Run(TimeSpan.FromSeconds(5));
        Assert.Equal(VrrpState.Master, m.State);
        Assert.Equal(VrrpState.Backup, b.State);
        return (net, m, b);
    }

    private static void InjectBoth(SimNode a, SimNode b, byte[] payload, IPAddress source, bool ipv6)
    {
        var group = ipv6 ? SimulatedNetwork.MulticastV6 : SimulatedNetwork.MulticastV4;
        SimulatedNetwork.Inject(a.Transport, payload, source, group);
        SimulatedNetwork.Inject(b.Transport, payload, source, group);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Priority_zero_from_a_host_that_is_not_the_master_does_not_move_the_vip(bool ipv6)
    {
        // The measured incident: "priority 0 from a non-master" (IPv6) made the backup take over for 16 ms.
        var (net, m, b) = Pair(ipv6);
        var attacker = ipv6 ? Attacker6 : Attacker4;
        long transitions = b.Router.GetStatistics().Transitions + m.Router.GetStatistics().Transitions;
        for (int i = 0; i < 100; i++)
        {
            InjectBoth(m, b, Advert(m.Router.VirtualRouterId, 0, attacker, ipv6 ? SimulatedNetwork.MulticastV6 : SimulatedNetwork.MulticastV4, ipv6: ipv6), attacker, ipv6);
            net.Run(TimeSpan.FromMilliseconds(10));
        }

        net.Run(TimeSpan.FromSeconds(2));
        Assert.Equal(VrrpState.Master, m.State);
        Assert.Equal(VrrpState.Backup, b.State);
        Assert.Equal(transitions, b.Router.GetStatistics().Transitions + m.Router.GetStatistics().Transitions);
        Assert.Equal(100, b.Router.GetStatistics().GetRejected(VrrpRejectReason.PriorityZeroNotFromMaster));
        Assert.Equal(100, m.Router.GetStatistics().GetRejected(VrrpRejectReason.PriorityZeroNotFromMaster));
    }

    [Fact]
    public async Task Priority_zero_from_the_real_master_still_hands_over_after_skew_time()
    {
        var (net, m, b) = Pair(ipv6: false);
        await m.Router.StopAsync(TestContext.Current.CancellationToken); // sends priority 0
        var took = net.RunUntil(() => b.State == VrrpState.Master, TimeSpan.FromSeconds(1));
        Assert.NotNull(took);
        // Skew_Time ((256 - 100) / 256 x 1 s = 609 ms), well before Master_Down_Interval (3.6 s).
        Assert.True(took < TimeSpan.FromMilliseconds(700), $"took {took}");
        await Sim.IdleAsync(b);
        Assert.Equal(VrrpTransitionReason.PriorityZeroReceived, b.Events.Last().Reason);
    }

    [Fact]
    public void Priority_zero_from_anyone_is_honoured_when_the_hardening_is_off()
    {
        // RFC 9568 6.4.2 behaviour, kept behind PriorityZeroFromMasterOnly = false.
        // The master's adverts are lost from here on, so only the injected packet can make b act before Master_Down_Interval.
        var (net, m, b) = Pair(ipv6: false, o => o.PriorityZeroFromMasterOnly = false);
        net.SetLinkLoss(m.Address, b.Address, 1.0);
        SimulatedNetwork.Inject(b.Transport, Advert(51, 0, Attacker4, SimulatedNetwork.MulticastV4), Attacker4, SimulatedNetwork.MulticastV4);
        var took = net.RunUntil(() => b.State == VrrpState.Master, TimeSpan.FromSeconds(1));
        Assert.NotNull(took); // after Skew_Time (609 ms)

        // Hardening on (the default), same situation: nothing happens before Master_Down_Interval (3.6 s).
        var (net2, m2, b2) = Pair(ipv6: false);
        net2.SetLinkLoss(m2.Address, b2.Address, 1.0);
        SimulatedNetwork.Inject(b2.Transport, Advert(51, 0, Attacker4, SimulatedNetwork.MulticastV4), Attacker4, SimulatedNetwork.MulticastV4);
        Assert.Null(net2.RunUntil(() => b2.State == VrrpState.Master, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_stranger_that_first_claims_mastership_below_the_master_then_sends_priority_zero_is_ignored()
    {
        // Attack: become "the master" in the backup's eyes with priority 120 (< the real master's 150), then leave.
        var (net, m, b) = Pair(ipv6: false);
        InjectBoth(m, b, Advert(51, 120, Attacker4, SimulatedNetwork.MulticastV4), Attacker4, ipv6: false);
        Assert.Equal(m.Address, b.Router.MasterAddress);
        InjectBoth(m, b, Advert(51, 0, Attacker4, SimulatedNetwork.MulticastV4), Attacker4, ipv6: false);
        net.Run(TimeSpan.FromSeconds(2));
        Assert.Equal(VrrpState.Master, m.State);
        Assert.Equal(VrrpState.Backup, b.State);
        Assert.True(b.Router.ConflictsDetected >= 2);
    }

    [Fact]
    public void An_adopted_interval_has_a_floor_so_a_forged_10_ms_advert_cannot_shrink_skew_time()
    {
        // Attack: a 10 ms advert (spoofing the master's address) then priority 0 gave a 5 ms skew.
        var (net, m, b) = Pair(ipv6: false);
        SimulatedNetwork.Inject(b.Transport, Advert(51, 150, m.Address, SimulatedNetwork.MulticastV4, intervalCs: 1), m.Address, SimulatedNetwork.MulticastV4);
        Assert.Equal(TimeSpan.FromMilliseconds(100), b.Router.MasterAdvertisementInterval);

        // A longer interval is still adopted (RFC 9568 6.4.2).
        SimulatedNetwork.Inject(b.Transport, Advert(51, 150, m.Address, SimulatedNetwork.MulticastV4, intervalCs: 50), m.Address, SimulatedNetwork.MulticastV4);
        Assert.Equal(TimeSpan.FromMilliseconds(500), b.Router.MasterAdvertisementInterval);
        net.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(VrrpState.Backup, b.State);
    }

    [Fact]
    public void The_floor_is_configurable()
    {
        var (_, m, b) = Pair(ipv6: false, o => o.MinimumAdoptedInterval = TimeSpan.FromMilliseconds(50));
        SimulatedNetwork.Inject(b.Transport, Advert(51, 150, m.Address, SimulatedNetwork.MulticastV4, intervalCs: 1), m.Address, SimulatedNetwork.MulticastV4);
        Assert.Equal(TimeSpan.FromMilliseconds(50), b.Router.MasterAdvertisementInterval);
    }

    [Fact]
    public async Task A_flood_of_every_malformed_kind_changes_no_state_and_logs_a_bounded_number_of_lines()
    {
        // Attack: ~1,000 log lines/s per node (one warning per junk packet).
        var provider = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(x => x.AddProvider(provider).SetMinimumLevel(LogLevel.Information));
        var net = new SimulatedNetwork();
        var mt = net.Attach(IPAddress.Parse("192.0.2.1"));
        var bt = net.Attach(IPAddress.Parse("192.0.2.2"));
        var m = VirtualRouterFactory.Create(Sim.Options("m", 150), mt, new FakeVipBinder(), null, net.Time, factory);
        var b = VirtualRouterFactory.Create(Sim.Options("b", 100), bt, new FakeVipBinder(), null, net.Time, factory);
        await m.StartAsync(TestContext.Current.CancellationToken);
        await b.StartAsync(TestContext.Current.CancellationToken);
        net.Run(TimeSpan.FromSeconds(5));
        int linesBefore = provider.Collector.Count;

        var rng = new Random(11);
        var g = SimulatedNetwork.MulticastV4;
        int sent = 0;
        for (int ms = 0; ms < 30_000; ms += 10)
        {
            foreach (var (payload, ttl) in MalformedV4(rng, g))
            {
                SimulatedNetwork.Inject(mt, payload, Attacker4, g, ttl);
                SimulatedNetwork.Inject(bt, payload, Attacker4, g, ttl);
                sent += 2;
            }

            net.Run(TimeSpan.FromMilliseconds(10));
        }

        Assert.True(sent > 30_000);
        Assert.Equal(VrrpState.Master, m.State);
        Assert.Equal(VrrpState.Backup, b.State);
        var lines = provider.Collector.GetSnapshot().Skip(linesBefore).ToList();

        // Per node: one first warning per reason, one summary per reason per minute, one conflict line per 10 s.
        Assert.True(lines.Count < 60, $"{lines.Count} log lines: " + string.Join(" | ", lines.Take(80).Select(l => l.Message)));
    }

    /// <summary>The list of malformed VRRP, one of each per call.</summary>
    internal static IEnumerable<(byte[] Payload, byte Ttl)> MalformedV4(Random rng, IPAddress group)
    {
        var good = Advert(51, 100, Attacker4, group);
        yield return (good[..5], 255);                                              // truncated
        var random = new byte[rng.Next(1, 60)];
        rng.NextBytes(random);
        yield return (random, 255);                                                 // random
        var mutated = (byte[])good.Clone();
        mutated[rng.Next(mutated.Length)] ^= (byte)(1 << rng.Next(8));
        yield return (mutated, 255);                                                // mutated advert
        yield return (Advert(51, 255, Attacker4, group), 254);                      // TTL 254, priority 255
        var badSum = (byte[])good.Clone();
        badSum[6] ^= 0xFF;
        yield return (badSum, 255);                                                 // bad checksum
        var count = (byte[])good.Clone();
        count[3] = 40;
        yield return (count, 255);                                                  // address count > payload
        yield return (Advert(51, 50, Attacker4, group), 255);                       // lower priority from a stranger
        var zero = (byte[])good.Clone();
        SetWord(zero, 4, 0);                                                       // interval 0 (valid checksum)
        yield return (zero, 255);                                                   // interval 0
        yield return (Advert(51, 0, Attacker4, group), 255);                        // priority 0 from a non-master
        foreach (int version in new[] { 0, 1, 4, 15 })
        {
            var v = (byte[])good.Clone();
            v[0] = (byte)((version << 4) | 1);
            yield return (v, 255);                                                  // versions 0/1/4/15
        }

        foreach (int type in new[] { 0, 2, 15 })
        {
            var t = (byte[])good.Clone();
            t[0] = (byte)(0x30 | type);
            yield return (t, 255);                                                  // types 0/2/15
        }

        var v2 = new VrrpMessage(VrrpVersion.V2, 51, 200, 100, false, Sim.Vip4.Address.GetAddressBytes(), VrrpAuthType.SimpleText, "wrongpwd"u8.ToArray());
        var v2b = new byte[VrrpCodec.GetEncodedLength(v2)];
        int n = VrrpCodec.Write(v2b, v2, Attacker4.GetAddressBytes(), group.GetAddressBytes());
        yield return (v2b[..n], 255);                                               // VRRPv2 with a wrong password
    }

    /// <summary>Replaces a 16-bit word of an advert and updates its checksum incrementally (RFC 1624).</summary>
    internal static void SetWord(byte[] advert, int offset, ushort value)
    {
        ushort old = (ushort)((advert[offset] << 8) | advert[offset + 1]);
        ushort sum = (ushort)((advert[6] << 8) | advert[7]);
        uint c = (uint)(~sum & 0xFFFF) + (uint)(~old & 0xFFFF) + value;
        c = (c & 0xFFFF) + (c >> 16);
        c = (c & 0xFFFF) + (c >> 16);
        ushort updated = (ushort)~c;
        advert[offset] = (byte)(value >> 8);
        advert[offset + 1] = (byte)value;
        advert[6] = (byte)(updated >> 8);
        advert[7] = (byte)updated;
    }

    [Fact]
    public async Task An_advert_for_our_vrid_from_a_stranger_raises_a_router_conflict_within_a_second()
    {
        var (net, m, _) = Pair(ipv6: false);
        var seen = new List<RouterConflictEventArgs>();
        m.Router.ConflictDetected += (_, e) =>
        {
            lock (seen)
            {
                seen.Add(e);
            }
        };
        var at = net.Now;
        SimulatedNetwork.Inject(m.Transport, Advert(51, 50, Attacker4, SimulatedNetwork.MulticastV4), Attacker4, SimulatedNetwork.MulticastV4);
        await Sim.IdleAsync(m);
        var e = Assert.Single(seen);
        Assert.Equal(Attacker4, e.Source);
        Assert.Equal(RouterConflictKind.SecondMaster, e.Kind);
        Assert.True(e.Timestamp - at < TimeSpan.FromSeconds(1));

        // Rate-limited per source: the same stranger again within 10 s raises nothing more.
        for (int i = 0; i < 50; i++)
        {
            SimulatedNetwork.Inject(m.Transport, Advert(51, 50, Attacker4, SimulatedNetwork.MulticastV4), Attacker4, SimulatedNetwork.MulticastV4);
        }

        await Sim.IdleAsync(m);
        Assert.Single(seen);
        Assert.Equal(51, m.Router.ConflictsDetected);
    }

    [Fact]
    public async Task With_known_peers_a_stranger_is_dropped_and_reported_whatever_its_priority()
    {
        var peers = new[] { IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.2") };
        var (net, m, b) = Pair(ipv6: false, o => o.KnownPeers = peers);
        var seen = new List<RouterConflictEventArgs>();
        b.Router.ConflictDetected += (_, e) => seen.Add(e);
        InjectBoth(m, b, Advert(51, 254, Attacker4, SimulatedNetwork.MulticastV4), Attacker4, ipv6: false);
        net.Run(TimeSpan.FromSeconds(1));
        await Sim.IdleAsync(b);
        Assert.Equal(VrrpState.Master, m.State);
        Assert.Equal(VrrpState.Backup, b.State);
        Assert.Equal(RouterConflictKind.UnknownSource, Assert.Single(seen).Kind);
        Assert.Equal(1, b.Router.GetStatistics().GetRejected(VrrpRejectReason.UnexpectedSource));
    }
}

