using System.Net;
using Microsoft.Extensions.Logging;
using VirtualIp.Election;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Vrrp.StateMachine;

/// <summary>Receive-path validation: TTL, source, version, authentication, VRID, address list, interval.</summary>
public sealed class ValidationTests
{
    private static readonly IPAddress Group = SimulatedNetwork.MulticastV4;

    private static byte[] Advert(VrrpVersion version, byte vrid, byte priority, IPAddress source, IPAddress destination, ushort intervalCs = 100,
        string? password = null, params VirtualIp.Addressing.VipAddress[] vips)
    {
        if (vips.Length == 0)
        {
            vips = [Sim.Vip4];
        }

        byte[] addresses = vips.SelectMany(v => v.Address.GetAddressBytes()).ToArray();
        byte[] auth = password is null ? [] : System.Text.Encoding.ASCII.GetBytes(password.PadRight(8, '\0'));
        var message = new VrrpMessage(version, vrid, priority, intervalCs, source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6, addresses,
            password is null ? VrrpAuthType.None : VrrpAuthType.SimpleText, auth);
        var buffer = new byte[VrrpCodec.GetEncodedLength(message)];
        int n = VrrpCodec.Write(buffer, message, source.GetAddressBytes(), destination.GetAddressBytes(), VrrpChecksumMode.WithPseudoHeader);
        return buffer[..n];
    }

    private static SimNode Master(SimulatedNetwork net, string address, Action<VrrpRouterOptions>? configure = null, params IPAddress[] peers)
    {
        var node = Sim.Node(net, IPAddress.Parse(address), peers, Sim.Options("m", 100, configure));
        Sim.Start(node);
        net.Run(TimeSpan.FromSeconds(5));
        Assert.Equal(VrrpState.Master, node.State);
        return node;
    }

    [Fact]
    public void Ttl_254_is_rejected()
    {
        var net = new SimulatedNetwork();
        var m = Master(net, "192.0.2.1");
        var src = IPAddress.Parse("192.0.2.9");
        SimulatedNetwork.Inject(m.Transport, Advert(VrrpVersion.V3, 51, 250, src, Group), src, Group, ttl: 254);
        Assert.Equal(VrrpState.Master, m.State);
        Assert.Equal(1, m.Router.GetStatistics().GetRejected(VrrpRejectReason.BadTtl));

        // The same advert with TTL 255 wins.
        SimulatedNetwork.Inject(m.Transport, Advert(VrrpVersion.V3, 51, 250, src, Group), src, Group);
        Assert.Equal(VrrpState.Backup, m.State);
        Assert.Equal(src, m.Router.MasterAddress);
    }

    [Fact]
    public async Task Master_announces_again_when_a_lower_priority_router_advertises_at_most_once_a_second()
    {
        var net = new SimulatedNetwork();
        var m = Master(net, "192.0.2.1");
        await Sim.IdleAsync(m);
        int started = m.Announcer.Started;
        var src = IPAddress.Parse("192.0.2.9");

        // A backup that wrongly believed the master dead advertises with a lower priority (and may have sent GARPs).
        SimulatedNetwork.Inject(m.Transport, Advert(VrrpVersion.V3, 51, 50, src, Group), src, Group);
        net.Run(TimeSpan.FromMilliseconds(10));
        await Sim.IdleAsync(m);
        Assert.Equal(VrrpState.Master, m.State);
        Assert.Equal(started + 1, m.Announcer.Started);

        SimulatedNetwork.Inject(m.Transport, Advert(VrrpVersion.V3, 51, 50, src, Group), src, Group);
        net.Run(TimeSpan.FromMilliseconds(10));
        await Sim.IdleAsync(m);
        Assert.Equal(started + 1, m.Announcer.Started); // rate-limited

        net.Run(TimeSpan.FromSeconds(1));
        SimulatedNetwork.Inject(m.Transport, Advert(VrrpVersion.V3, 51, 50, src, Group), src, Group);
        net.Run(TimeSpan.FromMilliseconds(10));
        await Sim.IdleAsync(m);
        Assert.Equal(started + 2, m.Announcer.Started);
        Assert.Equal(1, m.Announcer.Active);
    }

    [Fact]
    public void Ttl_254_from_a_real_peer_on_the_segment_is_ignored_end_to_end()
    {
        var net = new SimulatedNetwork();
        var lo = Sim.Node(net, "192.0.2.1", Sim.Options("lo", 100));
        var hi = Sim.Node(net, "192.0.2.2", Sim.Options("hi", 200));
        hi.Transport.DeliveredTtl = 255;
        lo.Transport.DeliveredTtl = 254; // everything lo receives arrives with TTL 254 (as if routed)
        Sim.Start(lo, hi);
        net.Run(TimeSpan.FromSeconds(10));
        Assert.Equal(VrrpState.Master, lo.State); // it never accepted hi's adverts
        Assert.True(lo.Router.GetStatistics().GetRejected(VrrpRejectReason.BadTtl) > 3);
    }

    [Fact]
    public void Unicast_peers_a_spoofed_source_is_rejected()
    {
        var net = new SimulatedNetwork();
        var peerA = IPAddress.Parse("192.0.2.1");
        var peerB = IPAddress.Parse("192.0.2.2");
        var a = Sim.Node(net, peerA, [peerB], Sim.Options("a", 100, o => o.UnicastPeers = [peerB]));
        var b = Sim.Node(net, peerB, [peerA], Sim.Options("b", 200, o => o.UnicastPeers = [peerA]));
        Sim.Start(a, b);
        net.Run(TimeSpan.FromSeconds(10));
        Assert.Equal(VrrpState.Master, b.State);
        Assert.Equal(VrrpState.Backup, a.State);
        Assert.Equal(0, a.Router.GetStatistics().TotalRejected);

        // A stranger claims priority 254 and then priority 0: both dropped.
        var spoof = IPAddress.Parse("192.0.2.66");
        SimulatedNetwork.Inject(b.Transport, Advert(VrrpVersion.V3, 51, 254, spoof, peerB), spoof, peerB);
        SimulatedNetwork.Inject(a.Transport, Advert(VrrpVersion.V3, 51, 0, spoof, peerA), spoof, peerA);
        net.Run(TimeSpan.FromSeconds(5));
        Assert.Equal(VrrpState.Master, b.State);
        Assert.Equal(VrrpState.Backup, a.State);
        Assert.Equal(1, b.Router.GetStatistics().GetRejected(VrrpRejectReason.UnexpectedSource));
        Assert.Equal(1, a.Router.GetStatistics().GetRejected(VrrpRejectReason.UnexpectedSource));
    }

    [Theory]
    [InlineData(false, 64, true)]   // keepalived's IPv6 unicast adverts carry the system hop limit: taken from a peer
    [InlineData(false, 1, true)]
    [InlineData(true, 64, false)]   // StrictUnicastTtl: 255 only
    public void Unicast_adverts_from_a_peer_are_taken_whatever_their_ttl_unless_strict(bool strict, byte ttl, bool taken)
    {
        var net = new SimulatedNetwork();
        var self = IPAddress.Parse("192.0.2.1");
        var peer = IPAddress.Parse("192.0.2.2");
        var m = Master(net, "192.0.2.1", o => { o.UnicastPeers = [peer]; o.StrictUnicastTtl = strict; }, peer);

        SimulatedNetwork.Inject(m.Transport, Advert(VrrpVersion.V3, 51, 250, peer, self), peer, self, ttl: ttl);
        Assert.Equal(taken ? VrrpState.Backup : VrrpState.Master, m.State);
        Assert.Equal(taken ? 0 : 1, m.Router.GetStatistics().GetRejected(VrrpRejectReason.BadTtl));
    }

    [Fact]
    public void Unicast_ttl_exemption_covers_peers_only()
    {
        var net = new SimulatedNetwork();
        var self = IPAddress.Parse("192.0.2.1");
        var peer = IPAddress.Parse("192.0.2.2");
        var stranger = IPAddress.Parse("192.0.2.66");
        var m = Master(net, "192.0.2.1", o => o.UnicastPeers = [peer], peer);

        // A stranger with a low TTL is refused on its TTL; with 255 on its source. Either way the VIP stays.
        SimulatedNetwork.Inject(m.Transport, Advert(VrrpVersion.V3, 51, 254, stranger, self), stranger, self, ttl: 64);
        SimulatedNetwork.Inject(m.Transport, Advert(VrrpVersion.V3, 51, 254, stranger, self), stranger, self);
        Assert.Equal(VrrpState.Master, m.State);
        Assert.Equal(1, m.Router.GetStatistics().GetRejected(VrrpRejectReason.BadTtl));
        Assert.Equal(1, m.Router.GetStatistics().GetRejected(VrrpRejectReason.UnexpectedSource));
    }

    [Fact]
    public void V2_with_authentication_mismatch_is_rejected()
    {
        var net = new SimulatedNetwork();
        var a = Sim.Node(net, "192.0.2.1", Sim.Options("a", 100, o => { o.Version = VrrpVersion.V2; o.AuthPassword = "secret1"; }));
        var b = Sim.Node(net, "192.0.2.2", Sim.Options("b", 200, o => { o.Version = VrrpVersion.V2; o.AuthPassword = "other"; }));
        Sim.Start(a, b);
        net.Run(TimeSpan.FromSeconds(10));

        // They cannot hear each other: both are master (the misconfiguration is visible in the counters).
        Assert.Equal(VrrpState.Master, a.State);
        Assert.Equal(VrrpState.Master, b.State);
        Assert.True(a.Router.GetStatistics().GetRejected(VrrpRejectReason.AuthenticationMismatch) > 3);
        Assert.True(b.Router.GetStatistics().GetRejected(VrrpRejectReason.AuthenticationMismatch) > 3);
    }

    [Fact]
    public void V2_with_the_same_password_elects_one_master()
    {
        var net = new SimulatedNetwork();
        var a = Sim.Node(net, "192.0.2.1", Sim.Options("a", 100, o => { o.Version = VrrpVersion.V2; o.AuthPassword = "secret1"; }));
        var b = Sim.Node(net, "192.0.2.2", Sim.Options("b", 200, o => { o.Version = VrrpVersion.V2; o.AuthPassword = "secret1"; }));
        Sim.Start(a, b);
        var elapsed = net.RunUntil(() => b.State == VrrpState.Master, TimeSpan.FromSeconds(10));
        // v2: Skew_Time = (256 - 200) / 256 s.
        Assert.InRange(elapsed!.Value, TimeSpan.FromSeconds(3 + (56 / 256.0)) - TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(3 + (56 / 256.0)) + TimeSpan.FromMilliseconds(1));
        net.Run(TimeSpan.FromSeconds(10));
        Assert.Equal(VrrpState.Backup, a.State);
        Assert.Equal(0, a.Router.GetStatistics().TotalRejected);
    }

    [Fact]
    public void V2_interval_mismatch_is_discarded()
    {
        var net = new SimulatedNetwork();
        var m = Master(net, "192.0.2.1", o => o.Version = VrrpVersion.V2);
        var src = IPAddress.Parse("192.0.2.9");
        SimulatedNetwork.Inject(m.Transport, Advert(VrrpVersion.V2, 51, 250, src, Group, intervalCs: 200), src, Group);
        Assert.Equal(VrrpState.Master, m.State);
        Assert.Equal(1, m.Router.GetStatistics().IntervalMismatches);
        Assert.Equal(0, m.Router.GetStatistics().AdvertisementsReceived);
    }

    [Fact]
    public void Version_mismatch_is_rejected()
    {
        var net = new SimulatedNetwork();
        var m = Master(net, "192.0.2.1");
        var src = IPAddress.Parse("192.0.2.9");
        SimulatedNetwork.Inject(m.Transport, Advert(VrrpVersion.V2, 51, 250, src, Group), src, Group);
        Assert.Equal(VrrpState.Master, m.State);
        Assert.Equal(1, m.Router.GetStatistics().GetRejected(VrrpRejectReason.BadVersion));
    }

    [Fact]
    public void Unknown_vrid_is_counted_on_the_interface()
    {
        var net = new SimulatedNetwork();
        var m = Master(net, "192.0.2.1");
        var src = IPAddress.Parse("192.0.2.9");
        SimulatedNetwork.Inject(m.Transport, Advert(VrrpVersion.V3, 77, 250, src, Group), src, Group);
        SimulatedNetwork.Inject(m.Transport, [0x31, 0x33], src, Group);
        Assert.Equal(VrrpState.Master, m.State);
        var stats = m.Router.GetStatistics();
        Assert.Equal(1, stats.GetInterfaceRejected(VrrpRejectReason.UnknownVirtualRouter));
        Assert.Equal(1, stats.GetInterfaceRejected(VrrpRejectReason.Truncated));
        Assert.Equal(0, stats.TotalRejected);
    }

    [Fact]
    public void Corrupted_checksum_is_rejected()
    {
        var net = new SimulatedNetwork();
        var m = Master(net, "192.0.2.1");
        var src = IPAddress.Parse("192.0.2.9");
        var packet = Advert(VrrpVersion.V3, 51, 250, src, Group);
        packet[2] ^= 0x01;
        SimulatedNetwork.Inject(m.Transport, packet, src, Group);
        Assert.Equal(VrrpState.Master, m.State);
        Assert.Equal(1, m.Router.GetStatistics().GetRejected(VrrpRejectReason.BadChecksum));
    }

    [Fact]
    public void Address_list_mismatch_is_counted_but_accepted()
    {
        var net = new SimulatedNetwork();
        var m = Master(net, "192.0.2.1");
        var src = IPAddress.Parse("192.0.2.9");
        SimulatedNetwork.Inject(m.Transport, Advert(VrrpVersion.V3, 51, 250, src, Group, 100, null, VirtualIp.Addressing.VipAddress.Parse("192.0.2.101/24")), src, Group);
        Assert.Equal(VrrpState.Backup, m.State);
        Assert.Equal(1, m.Router.GetStatistics().AddressListMismatches);
    }

    [Fact]
    public void Master_answers_a_lower_priority_advert_at_once_at_most_once_per_interval()
    {
        var net = new SimulatedNetwork();
        var m = Master(net, "192.0.2.1");
        var src = IPAddress.Parse("192.0.2.9");
        long sent = m.Router.GetStatistics().AdvertisementsSent;
        SimulatedNetwork.Inject(m.Transport, Advert(VrrpVersion.V3, 51, 50, src, Group), src, Group);
        Assert.Equal(sent + 1, m.Router.GetStatistics().AdvertisementsSent);

        // Attack stopped: a flood of lower-priority adverts cannot make the master flood the segment (amplification).
        for (int i = 0; i < 100; i++)
        {
            SimulatedNetwork.Inject(m.Transport, Advert(VrrpVersion.V3, 51, 50, src, Group), src, Group);
        }

        Assert.Equal(sent + 1, m.Router.GetStatistics().AdvertisementsSent);

        // One interval later: equal priority from a lower address is discarded and answered again.
        long before = m.Router.GetStatistics().AdvertisementsSent;
        net.Run(TimeSpan.FromSeconds(1));
        long timerSent = m.Router.GetStatistics().AdvertisementsSent;
        Assert.True(timerSent > before);
        SimulatedNetwork.Inject(m.Transport, Advert(VrrpVersion.V3, 51, 100, IPAddress.Parse("192.0.2.0"), Group), IPAddress.Parse("192.0.2.0"), Group);
        Assert.Equal(timerSent + 1, m.Router.GetStatistics().AdvertisementsSent);
        Assert.Equal(VrrpState.Master, m.State);
    }

    [Fact]
    public void Checksum_mode_message_only_is_understood_by_a_default_peer()
    {
        var net = new SimulatedNetwork();
        var a = Sim.Node(net, "192.0.2.1", Sim.Options("a", 100));
        var b = Sim.Node(net, "192.0.2.2", Sim.Options("b", 200, o => o.ChecksumMode = VrrpChecksumMode.MessageOnly));
        Sim.Start(a, b);
        net.Run(TimeSpan.FromSeconds(10));
        Assert.Equal(VrrpState.Master, b.State);
        Assert.Equal(VrrpState.Backup, a.State);
        Assert.Equal(0, a.Router.GetStatistics().TotalRejected);
    }
}

/// <summary>Rejections and transitions are logged; rejection warnings are rate-limited (RFC 9568 7.1).</summary>
public sealed class VrrpLoggingTests
{
    [Fact]
    public async Task Rejections_are_warned_once_then_summarised_once_a_minute_and_transitions_are_logged()
    {
        var provider = new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider();
        using var factory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Information));
        var net = new SimulatedNetwork();
        var transport = net.Attach(IPAddress.Parse("192.0.2.1"));
        var router = VirtualRouterFactory.Create(Sim.Options("a", 255), transport, new FakeVipBinder(), null, net.Time, factory);
        await router.StartAsync(TestContext.Current.CancellationToken);
        var src = IPAddress.Parse("192.0.2.9");
        var message = new VrrpMessage(VrrpVersion.V3, 51, 100, 100, false, Sim.Vip4.Address.GetAddressBytes());
        var buffer = new byte[64];
        int n = VrrpCodec.Write(buffer, message, src.GetAddressBytes(), SimulatedNetwork.MulticastV4.GetAddressBytes());
        for (int i = 0; i < 5; i++)
        {
            SimulatedNetwork.Inject(transport, buffer.AsSpan(0, n), src, SimulatedNetwork.MulticastV4, ttl: 1);
        }

        net.Run(TimeSpan.FromSeconds(11));
        SimulatedNetwork.Inject(transport, buffer.AsSpan(0, n), src, SimulatedNetwork.MulticastV4, ttl: 1);
        Assert.Single(provider.Collector.GetSnapshot(), l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning && l.Message.Contains("bad_ttl"));

        net.Run(TimeSpan.FromSeconds(50));
        SimulatedNetwork.Inject(transport, buffer.AsSpan(0, n), src, SimulatedNetwork.MulticastV4, ttl: 1);
        var logs = provider.Collector.GetSnapshot();
        var warnings = logs.Where(l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning && l.Message.Contains("bad_ttl")).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("6 more packets", warnings[1].Message);
        Assert.Contains(logs, l => l.Message.Contains("Initialize -> Master (Startup)"));
        Assert.Equal(7, router.GetStatistics().GetRejected(VrrpRejectReason.BadTtl));
    }
}
