using System.Net;
using VirtualIp.Election;
using VirtualIp.Tests.Vrrp.StateMachine;
using VirtualIp.Vrrp;
using VirtualIp.Vrrp.Auth;

namespace VirtualIp.Tests.Vrrp.Auth;

/// <summary>
/// Authenticated adverts in the simulated network: with <c>enforce</c>, valid-looking but unsigned, wrongly signed,
/// unknown-key, altered, replayed and stale priority-255 adverts change nothing and are counted by reason;
/// the same unsigned advert moves an unauthenticated router (the attack is real); keys rotate without a state change.
/// </summary>
public sealed class AuthenticatedElectionTests
{
    internal static readonly string Key1 = "1:hex:" + Convert.ToHexString(KeepalivedHmacVectorTests.Key1);
    internal static readonly string Key2 = "2:hex:" + Convert.ToHexString(KeepalivedHmacVectorTests.Key2);
    private static readonly byte[] s_wrongKey = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();

    private static Action<VrrpRouterOptions> Hmac(VrrpAuthHmacMode mode = VrrpAuthHmacMode.Enforce, int active = 1, VrrpVersion version = VrrpVersion.V3) => o =>
    {
        o.Version = version;
        o.AuthHmac = new VrrpAuthHmacOptions { Keys = [Key1, Key2], ActiveKey = active, Mode = mode };
    };

    private static (IPAddress A, IPAddress B, IPAddress Attacker, IPAddress Group) Addresses(bool ipv6) => ipv6
        ? (IPAddress.Parse("fe80::a"), IPAddress.Parse("fe80::b"), IPAddress.Parse("fe80::66"), SimulatedNetwork.MulticastV6)
        : (IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.2"), IPAddress.Parse("192.0.2.66"), SimulatedNetwork.MulticastV4);

    /// <summary>A priority-255 advert for VRID 51 from <paramref name="source"/>, signed with <paramref name="key"/> (id <paramref name="keyId"/>) or unsigned.</summary>
    private static byte[] Forged(bool ipv6, VrrpVersion version, IPAddress source, IPAddress group, DateTimeOffset now, byte[]? key, byte keyId = 1)
    {
        var vip = (ipv6 ? Sim.Vip6 : Sim.Vip4).Address.GetAddressBytes();
        var message = new VrrpMessage(version, 51, 255, 100, ipv6, vip);
        var buffer = new byte[VrrpCodec.GetEncodedLength(message) + VrrpAuthTrailer.Length];
        int n = VrrpCodec.Write(buffer, message, source.GetAddressBytes(), group.GetAddressBytes());
        if (key is null)
        {
            return buffer[..n];
        }

        using var signer = new VrrpAuthenticator(VrrpAuthKeyRing.Create(keyId, (keyId, key)), VrrpAuthHmacMode.Enforce, VrrpAntiReplay.Time, 5,
            ipv6, version, 51, 0, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(now));
        n = signer.Sign(buffer, n, source.GetAddressBytes());
        if (ipv6)
        {
            buffer[6] = buffer[7] = 0;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(6),
                VrrpCodec.ComputePseudoHeaderChecksum(buffer.AsSpan(0, n), source.GetAddressBytes(), group.GetAddressBytes(), ipv6: true));
        }

        return buffer[..n];
    }

    internal static byte[] ForgedForTests(bool ipv6, IPAddress source, IPAddress group, DateTimeOffset now, byte[]? key) =>
        Forged(ipv6, VrrpVersion.V3, source, group, now, key);

    /// <summary>RFC 1624 incremental checksum update for the priority byte (the word at offset 2).</summary>
    private static void SetPriorityKeepingChecksum(byte[] vrrp, byte priority)
    {
        int oldWord = (vrrp[2] << 8) | vrrp[3];
        vrrp[2] = priority;
        int newWord = (vrrp[2] << 8) | vrrp[3];
        int checksum = (vrrp[6] << 8) | vrrp[7];
        int sum = (~checksum & 0xFFFF) + (~oldWord & 0xFFFF) + newWord;
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        int updated = ~sum & 0xFFFF;
        vrrp[6] = (byte)(updated >> 8);
        vrrp[7] = (byte)updated;
    }

    [Theory]
    [InlineData(false, VrrpVersion.V3)]
    [InlineData(true, VrrpVersion.V3)]
    [InlineData(false, VrrpVersion.V2)]
    public async Task Enforce_drops_unsigned_wrongly_signed_altered_replayed_and_stale_priority_255_adverts(bool ipv6, VrrpVersion version)
    {
        var net = new SimulatedNetwork();
        var (aAddr, bAddr, attacker, group) = Addresses(ipv6);
        var a = Sim.Node(net, aAddr, [], Sim.Options("a", 255, Hmac(version: version), ipv6: ipv6)); // the address owner
        var b = Sim.Node(net, bAddr, [], Sim.Options("b", 100, Hmac(version: version), ipv6: ipv6));
        a.Transport.RecordSent = true;
        Sim.Start(a, b);
        Assert.NotNull(net.RunUntil(() => a.State == VrrpState.Master && b.State == VrrpState.Backup, TimeSpan.FromSeconds(10)));
        net.Run(TimeSpan.FromSeconds(3));
        Assert.Equal(0, b.Router.GetStatistics().TotalRejected);
        var captured = a.Transport.SentPayloads[^1]; // a genuine signed priority-255 advert

        // The owner leaves (priority 0): b takes over.
        await a.Router.StopAsync(TestContext.Current.CancellationToken);
        Assert.NotNull(net.RunUntil(() => b.State == VrrpState.Master, TimeSpan.FromSeconds(5)));
        long transitions = b.Router.GetStatistics().Transitions;

        var now = net.Now;
        void Attack(byte[] payload, IPAddress from)
        {
            for (int i = 0; i < 50; i++)
            {
                SimulatedNetwork.Inject(b.Transport, payload, from, group);
                net.Run(TimeSpan.FromMilliseconds(20));
            }
        }

        Attack(Forged(ipv6, version, attacker, group, now, key: null), attacker);                     // unsigned
        Attack(Forged(ipv6, version, attacker, group, now, s_wrongKey), attacker);                     // a key we do not have, id 1
        Attack(Forged(ipv6, version, attacker, group, now, s_wrongKey, keyId: 9), attacker);           // an unknown key id
        var altered = captured.ToArray();
        SetPriorityKeepingChecksum(altered, 254); // priority changed in flight, checksum fixed up
        Attack(altered, aAddr);
        Attack(captured, aAddr);                                                                       // replayed within the window
        net.Run(TimeSpan.FromSeconds(6));
        Attack(captured, aAddr);                                                                       // replayed after the window

        Assert.Equal(VrrpState.Master, b.State);
        Assert.Equal(transitions, b.Router.GetStatistics().Transitions);
        var s = b.Router.GetStatistics();
        Assert.Equal(50, s.GetRejected(VrrpRejectReason.AuthenticationMissing));
        Assert.Equal(100, s.GetRejected(VrrpRejectReason.BadHmac));
        Assert.Equal(50, s.GetRejected(VrrpRejectReason.UnknownKey));
        Assert.Equal(50, s.GetRejected(VrrpRejectReason.Replay));
        Assert.Equal(50, s.GetRejected(VrrpRejectReason.Stale));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Without_authentication_the_same_unsigned_advert_takes_the_vip_away(bool ipv6)
    {
        var net = new SimulatedNetwork();
        var (aAddr, bAddr, attacker, group) = Addresses(ipv6);
        var b = Sim.Node(net, bAddr, [], Sim.Options("b", 100, ipv6: ipv6));
        Sim.Start(b);
        Assert.NotNull(net.RunUntil(() => b.State == VrrpState.Master, TimeSpan.FromSeconds(10)));
        SimulatedNetwork.Inject(b.Transport, Forged(ipv6, VrrpVersion.V3, attacker, group, net.Now, key: null), attacker, group);
        net.Run(TimeSpan.FromMilliseconds(20));
        Assert.Equal(VrrpState.Backup, b.State);
        _ = aAddr;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Keys_rotate_mid_run_without_a_state_change(bool ipv6)
    {
        var net = new SimulatedNetwork();
        var (aAddr, bAddr, _, _) = Addresses(ipv6);
        var a = Sim.Node(net, aAddr, [], Sim.Options("a", 150, Hmac(), ipv6: ipv6));
        var b = Sim.Node(net, bAddr, [], Sim.Options("b", 100, Hmac(), ipv6: ipv6));
        Sim.Start(a, b);
        Assert.NotNull(net.RunUntil(() => a.State == VrrpState.Master && b.State == VrrpState.Backup, TimeSpan.FromSeconds(10)));
        long aTransitions = a.Router.GetStatistics().Transitions, bTransitions = b.Router.GetStatistics().Transitions;
        long received = b.Router.GetStatistics().AdvertisementsReceived;

        Assert.True(a.Router.TrySetActiveAuthKey(2)); // the master first, then the backup: each verifies both keys
        net.Run(TimeSpan.FromSeconds(5));
        Assert.True(b.Router.TrySetActiveAuthKey(2));
        net.Run(TimeSpan.FromSeconds(5));
        Assert.False(a.Router.TrySetActiveAuthKey(3));

        Assert.Equal((byte?)2, a.Router.ActiveAuthKeyId);
        Assert.Equal((aTransitions, bTransitions), (a.Router.GetStatistics().Transitions, b.Router.GetStatistics().Transitions));
        Assert.True(b.Router.GetStatistics().AdvertisementsReceived >= received + 9);
        Assert.Equal(0, b.Router.GetStatistics().TotalRejected);
        Assert.Equal(0, a.Router.GetStatistics().TotalRejected);
    }

    [Fact]
    public void Roll_out_receive_only_then_permissive_then_enforce_is_hitless()
    {
        var net = new SimulatedNetwork();
        var none = Sim.Node(net, "192.0.2.1", Sim.Options("a", 150));
        var receiveOnly = Sim.Node(net, "192.0.2.2", Sim.Options("b", 100, Hmac(VrrpAuthHmacMode.ReceiveOnly)));
        Sim.Start(none, receiveOnly);
        Assert.NotNull(net.RunUntil(() => none.State == VrrpState.Master && receiveOnly.State == VrrpState.Backup, TimeSpan.FromSeconds(10)));
        net.Run(TimeSpan.FromSeconds(2));
        Assert.Equal(0, receiveOnly.Router.GetStatistics().TotalRejected); // unsigned adverts accepted

        var n2 = new SimulatedNetwork();
        var permissive = Sim.Node(n2, "192.0.2.1", Sim.Options("a", 150, Hmac(VrrpAuthHmacMode.Permissive)));
        var stillReceiveOnly = Sim.Node(n2, "192.0.2.2", Sim.Options("b", 100, Hmac(VrrpAuthHmacMode.ReceiveOnly)));
        var enforce = Sim.Node(n2, "192.0.2.3", Sim.Options("c", 50, Hmac(VrrpAuthHmacMode.Enforce)));
        Sim.Start(permissive, stillReceiveOnly, enforce);
        Assert.NotNull(n2.RunUntil(() => permissive.State == VrrpState.Master && stillReceiveOnly.State == VrrpState.Backup && enforce.State == VrrpState.Backup,
            TimeSpan.FromSeconds(10)));
        n2.Run(TimeSpan.FromSeconds(2));
        Assert.Equal(0, stillReceiveOnly.Router.GetStatistics().TotalRejected); // signed adverts verified
        Assert.Equal(0, enforce.Router.GetStatistics().TotalRejected);
        Assert.Equal(0, permissive.Router.GetStatistics().TotalRejected);
    }
}
