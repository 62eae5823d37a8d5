using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Election;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Vrrp.StateMachine;

/// <summary>The receive checks on their own (the router's receive rules never see what they reject).</summary>
public sealed class VrrpAdvertValidatorTests
{
    private static readonly IPAddress Peer = IPAddress.Parse("192.0.2.2");
    private static readonly IPAddress Stranger = IPAddress.Parse("192.0.2.9");
    private static readonly byte[] Destination = SimulatedNetwork.MulticastV4.GetAddressBytes();

    private static (VrrpAdvertValidator Validator, VrrpRouterCounters Counters) Create(Action<VrrpRouterOptions>? configure = null)
    {
        var counters = new VrrpRouterCounters();
        var config = VrrpRouterConfiguration.FromValidated(Sim.Options("r", 100, configure));
        return (new VrrpAdvertValidator(config, VrrpAuthType.None, [], null, counters, new FakeTimeProvider(), NullLogger.Instance), counters);
    }

    private static byte[] Advert(byte vrid, byte priority, IPAddress source, VrrpVersion version = VrrpVersion.V3)
    {
        var message = new VrrpMessage(version, vrid, priority, 100, false, Sim.Vip4.Address.GetAddressBytes());
        var buffer = new byte[VrrpCodec.GetEncodedLength(message)];
        int n = VrrpCodec.Write(buffer, message, source.GetAddressBytes(), Destination, VrrpChecksumMode.WithPseudoHeader);
        return buffer[..n];
    }

    private static VrrpRejectReason Check(VrrpAdvertValidator validator, byte[] payload, IPAddress source, byte ttl, out byte priority, out int strangerPriority)
    {
        var packet = new VrrpReceivedPacket(payload, source.GetAddressBytes(), Destination, ttl, isIPv6: false);
        var reason = validator.Check(packet, out var message, out strangerPriority);
        priority = reason == VrrpRejectReason.None ? message.Priority : (byte)0;
        return reason;
    }

    [Fact]
    public void A_valid_advert_passes_and_nothing_is_counted()
    {
        var (validator, counters) = Create();
        Assert.Equal(VrrpRejectReason.None, Check(validator, Advert(51, 150, Peer), Peer, 255, out byte priority, out int stranger));
        Assert.Equal(150, priority);
        Assert.Equal(-1, stranger);
        Assert.Equal(0, counters.Snapshot([]).TotalRejected);
    }

    [Theory]
    [InlineData(254, 51, VrrpRejectReason.BadTtl)]
    [InlineData(255, 52, VrrpRejectReason.UnknownVirtualRouter)]
    public void Bad_adverts_are_refused_with_their_reason(byte ttl, byte vrid, VrrpRejectReason expected)
    {
        var (validator, counters) = Create();
        Assert.Equal(expected, Check(validator, Advert(vrid, 150, Peer), Peer, ttl, out _, out _));

        // Counting is the caller's decision (it may report a conflict first).
        Assert.Equal(0, counters.Snapshot([]).GetRejected(expected));
        validator.Reject(expected);
        Assert.Equal(1, counters.Snapshot([]).GetRejected(expected));
    }

    [Fact]
    public void Unicast_peer_is_exempt_from_the_ttl_check_unless_strict()
    {
        var (lenient, _) = Create(o => o.UnicastPeers = [Peer]);
        Assert.Equal(VrrpRejectReason.None, Check(lenient, Advert(51, 150, Peer), Peer, 64, out _, out _));

        var (strict, _) = Create(o =>
        {
            o.UnicastPeers = [Peer];
            o.StrictUnicastTtl = true;
        });
        Assert.Equal(VrrpRejectReason.BadTtl, Check(strict, Advert(51, 150, Peer), Peer, 64, out _, out _));
    }

    [Fact]
    public void Stranger_is_refused_and_its_advert_for_our_vrid_is_reported_as_a_conflict()
    {
        var (validator, _) = Create(o => o.KnownPeers = [Peer]);
        Assert.Equal(VrrpRejectReason.UnexpectedSource, Check(validator, Advert(51, 200, Stranger), Stranger, 255, out _, out int stranger));
        Assert.Equal(200, stranger);

        Assert.Equal(VrrpRejectReason.UnexpectedSource, Check(validator, Advert(52, 200, Stranger), Stranger, 255, out _, out stranger));
        Assert.Equal(-1, stranger); // another VRID: no conflict of ours
    }

    [Fact]
    public void Address_list_and_interval_mismatches_are_counted()
    {
        var (validator, counters) = Create();
        byte[] configured = Sim.Vip4.Address.GetAddressBytes();
        validator.CheckAddressList(configured, configured);
        Assert.Equal(0, counters.Snapshot([]).AddressListMismatches);

        validator.CheckAddressList(IPAddress.Parse("192.0.2.200").GetAddressBytes(), configured);
        validator.IntervalMismatch(100, 50);
        var stats = counters.Snapshot([]);
        Assert.Equal(1, stats.AddressListMismatches);
        Assert.Equal(1, stats.IntervalMismatches);
    }
}
