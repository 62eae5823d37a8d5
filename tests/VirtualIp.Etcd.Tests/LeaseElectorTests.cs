using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Addressing;
using VirtualIp.Announcing;
using VirtualIp.Simulation;

namespace VirtualIp.Etcd.Tests;

/// <summary>
/// Lease-elected VIP on a real etcd: two nodes (simulated interfaces, real etcd through a relay per node so one can be cut off),
/// ownership sampled every 10 ms. Bounds: TTL 2 s; a killed owner's key expires within TTL of its last keep-alive and the
/// other node polls every 200 ms, so it binds within TTL + 1 s; a cut-off owner unbinds at the latest TTL - FenceMargin after
/// its last confirmed keep-alive, which is before etcd can expire the key, so no sample ever sees two owners.
/// </summary>
public sealed class LeaseElectorTests
{
    private const int TtlSeconds = 2;
    private static readonly VipAddress Vip = VipAddress.Parse("192.0.2.200/24");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class NoAnnouncer : IVipAnnouncer
    {
        public IDisposable Start(string interfaceName, IReadOnlyList<VipAddress> vips, MacAddress? sourceMac = null) => new CancellationTokenSource();
    }

    private static (LeaseElector Elector, SimulatedNode Node) Node(SimulatedLan lan, int n, string endpoint, string prefix)
    {
        var node = lan.AddNode($"n{n}", IPAddress.Parse($"192.0.2.{10 + n}"), MacAddress.Parse($"02:00:00:00:00:0{n}"));
        var etcd = new EtcdOptions { Prefix = prefix, LeaseTtl = TimeSpan.FromSeconds(TtlSeconds) };
        etcd.Endpoints.Add(endpoint);
        var vip = new LeaseElectedVipOptions { Name = "web", Interface = SimulatedNode.InterfaceName, Vip = Vip };
        return (new LeaseElector(etcd, vip, node, new NoAnnouncer(), () => true, $"n{n}", TimeProvider.System, NullLogger.Instance), node);
    }

    private sealed class OwnerSampler : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new(); // not disposed: DisposeAsync may run twice
        private readonly Task _task;

        public OwnerSampler(params SimulatedNode[] nodes) => _task = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                int owners = nodes.Count(n => n.Holds(Vip.Address));
                MaxOwners = Math.Max(MaxOwners, owners);
                Samples++;
                await Task.Delay(10);
            }
        });

        public int MaxOwners { get; private set; }

        public int Samples { get; private set; }

        public async ValueTask DisposeAsync()
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            await _stop.CancelAsync();
            await _task;
        }
    }

    private static async Task<TimeSpan> WaitAsync(Func<bool> condition, TimeSpan limit, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(sw.Elapsed < limit, $"{what} did not happen within {limit}");
            await Task.Delay(5, Ct);
        }

        return sw.Elapsed;
    }

    [Fact]
    public async Task A_killed_owner_is_replaced_within_ttl_plus_1s_and_a_clean_stop_hands_over_at_once()
    {
        using var etcd = await EtcdServer.StartAsync();
        var lan = new SimulatedLan();
        var (a, na) = Node(lan, 1, etcd.Endpoint, "/e1/");
        var (b, nb) = Node(lan, 2, etcd.Endpoint, "/e1/");
        await using (a)
        await using (b)
        {
            a.Start();
            await WaitAsync(() => a.IsOwner && na.Holds(Vip.Address), TimeSpan.FromSeconds(10), "n1 owning");
            b.Start();
            await Task.Delay(500, Ct);
            Assert.False(nb.Holds(Vip.Address));

            await a.AbandonAsync(); // kill -9: no unbind, no revoke; the machine (and its address) is gone
            await ((Binding.IVipBinder)na).RemoveAsync(SimulatedNode.InterfaceName, Vip, Ct);
            var took = await WaitAsync(() => nb.Holds(Vip.Address), TimeSpan.FromSeconds(TtlSeconds + 1), "n2 binding after n1 was killed");
            TestContext.Current.TestOutputHelper?.WriteLine($"killed owner replaced after {took.TotalMilliseconds:0} ms (TTL {TtlSeconds}s)");

            var (c, nc) = Node(lan, 3, etcd.Endpoint, "/e1/");
            await using (c)
            {
                c.Start();
                await Task.Delay(300, Ct);
                await b.StopAsync(Ct); // clean stop: unbind + revoke: no TTL wait
                var handover = await WaitAsync(() => nc.Holds(Vip.Address), TimeSpan.FromSeconds(1), "n3 binding after n2 stopped cleanly");
                Assert.False(nb.Holds(Vip.Address));
                TestContext.Current.TestOutputHelper?.WriteLine($"clean stop handed over in {handover.TotalMilliseconds:0} ms");
            }
        }
    }

    [Fact]
    public async Task An_owner_cut_off_from_etcd_drops_the_vip_before_the_other_binds_it()
    {
        using var etcd = await EtcdServer.StartAsync();
        using var proxyA = new TcpProxy(etcd.ClientPort);
        var lan = new SimulatedLan();
        var (a, na) = Node(lan, 1, proxyA.Endpoint, "/e2/");
        var (b, nb) = Node(lan, 2, etcd.Endpoint, "/e2/");
        await using (a)
        await using (b)
        {
            a.Start();
            await WaitAsync(() => na.Holds(Vip.Address), TimeSpan.FromSeconds(10), "n1 owning");
            b.Start();
            await using (var sampler = new OwnerSampler(na, nb))
            {
                await Task.Delay(1000, Ct);
                proxyA.Cut(); // n1 still serves its LAN but cannot reach etcd
                var cut = Stopwatch.StartNew();
                await WaitAsync(() => nb.Holds(Vip.Address), TimeSpan.FromSeconds(TtlSeconds + 1), "n2 binding after n1 was cut off");
                var bound = cut.Elapsed;
                Assert.False(na.Holds(Vip.Address));
                await Task.Delay(500, Ct);
                await sampler.DisposeAsync();
                Assert.Equal(1, sampler.MaxOwners); // never two owners
                Assert.True(sampler.Samples > 100, $"only {sampler.Samples} samples");
                TestContext.Current.TestOutputHelper?.WriteLine($"cut-off owner: n2 bound {bound.TotalMilliseconds:0} ms after the cut; {sampler.Samples} samples at 10 ms, max owners {sampler.MaxOwners}");
            }
        }
    }
}
