using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Election;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Vrrp.StateMachine;

/// <summary>The steady state — the master sending adverts, a backup receiving them — allocates nothing.</summary>
public sealed class SteadyStateAllocationTests
{
    /// <summary>Hands each sent advert straight to the peer's receive path, from a preallocated buffer.</summary>
    private sealed class WireTransport(IPAddress local, IPAddress destination) : IVrrpTransport
    {
        private readonly byte[] _buffer = new byte[1500];
        private readonly byte[] _local = local.GetAddressBytes();
        private readonly byte[] _destination = destination.GetAddressBytes();

        public WireTransport? Peer { get; set; }

        public IVrrpPacketHandler? Handler { get; private set; }

        public bool IsIPv6 => local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;

        public IPAddress LocalAddress => local;

        public IReadOnlyList<IPAddress> Destinations { get; } = [destination];

        public ValueTask StartAsync(IVrrpPacketHandler handler, CancellationToken cancellationToken = default)
        {
            Handler = handler;
            return ValueTask.CompletedTask;
        }

        public int LastSentLength { get; private set; }

        public void Send(ReadOnlySpan<byte> payload, int destinationIndex)
        {
            LastSentLength = payload.Length;
            payload.CopyTo(_buffer);
            var packet = new VrrpReceivedPacket(_buffer.AsSpan(0, payload.Length), _local, _destination, 255, IsIPv6);
            Peer!.Handler!.OnPacket(packet); // the peer's mux (its own lock; never re-enters the sender here)
            Handler!.OnPacket(packet);       // and our own multicast loop-back (dropped as OwnPacket)
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Theory]
    [InlineData(false, VrrpVersion.V3, false)]
    [InlineData(true, VrrpVersion.V3, false)]
    [InlineData(false, VrrpVersion.V2, false)]
    [InlineData(false, VrrpVersion.V3, true)]
    [InlineData(true, VrrpVersion.V3, true)]
    [InlineData(false, VrrpVersion.V2, true)]
    public async Task Sending_and_receiving_adverts_allocates_nothing(bool ipv6, VrrpVersion version, bool authHmac)
    {
        var time = new FakeTimeProvider();
        var group = ipv6 ? SimulatedNetwork.MulticastV6 : SimulatedNetwork.MulticastV4;
        var masterT = new WireTransport(IPAddress.Parse(ipv6 ? "2001:db8::2" : "192.0.2.2"), group);
        var backupT = new WireTransport(IPAddress.Parse(ipv6 ? "2001:db8::1" : "192.0.2.1"), group);
        masterT.Peer = backupT;
        backupT.Peer = masterT;

        void Configure(VrrpRouterOptions o)
        {
            o.Version = version;
            if (authHmac)
            {
                // Signed send and verified receive (HMAC-SHA256, time anti-replay): still nothing allocated.
                o.AuthHmac = new VrrpAuthHmacOptions { Keys = [VirtualIp.Tests.Vrrp.Auth.AuthenticatedElectionTests.Key1], ActiveKey = 1 };
            }
            else if (version == VrrpVersion.V2)
            {
                o.AuthPassword = "secret";
            }
        }

        var master = VirtualRouterFactory.CreateCore([Sim.Options("m", 255, Configure, ipv6: ipv6)], _ => masterT, new FakeVipBinder(), new FakeAnnouncer(), time, NullLoggerFactory.Instance)[0];
        var backup = VirtualRouterFactory.CreateCore([Sim.Options("b", 100, Configure, ipv6: ipv6)], _ => backupT, new FakeVipBinder(), new FakeAnnouncer(), time, NullLoggerFactory.Instance)[0];
        await backup.StartAsync(TestContext.Current.CancellationToken);
        await master.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal(VrrpState.Master, master.State);
        Assert.Equal(VrrpState.Backup, backup.State);

        const int n = 10_000;
        for (int i = 0; i < 100; i++)
        {
            master.OnAdvertTimerForTests();
        }

        // Three rounds of n: a per-advert allocation shows in every round (n x at least 24 B); a one-off on a busy
        // machine (seen in CI: 7 KB, and 16 KB once the router had a second deadline timer, in the first round only, e.g.
        // a timer queue growing while tests run in parallel) does not make the steady state allocate. The first round may
        // hold such a one-off (< 64 KiB), the second must stay under n bytes and the last must be exactly 0 B.
        var rounds = new long[3];
        for (int r = 0; r < rounds.Length; r++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < n; i++)
            {
                master.OnAdvertTimerForTests(); // encode + send; the backup decodes, validates and re-arms its down timer
            }

            rounds[r] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.True(rounds[^1] == 0 && rounds[1] < n && rounds[0] < 64 * 1024, $"bytes allocated per round of {n} adverts: {string.Join(", ", rounds)}");
        Assert.True(backup.GetStatistics().AdvertisementsReceived >= 3 * n);
        Assert.Equal(authHmac ? 28 : 0, masterT.LastSentLength - VrrpCodec.GetEncodedLength(new VrrpMessage(version, 51, 255, 100, ipv6, new byte[ipv6 ? 16 : 4],
            version == VrrpVersion.V2 && !authHmac ? VrrpAuthType.SimpleText : VrrpAuthType.None)));
        Assert.Equal(0, backup.GetStatistics().TotalRejected);
        Assert.Equal(VrrpState.Backup, backup.State);
        await master.DisposeAsync();
        await backup.DisposeAsync();
    }
}
