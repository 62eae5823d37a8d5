using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Addressing;
using VirtualIp.Election;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Vrrp.StateMachine;

/// <summary>
/// A deterministic in-memory layer-2 segment for VRRP: every <see cref="SimTransport"/> attached to it receives
/// multicast adverts (its own too, like IP_MULTICAST_LOOP) and unicast adverts addressed to it, with TTL 255.
/// Supports per-link loss (seeded), partitions, heals and crashed nodes. Time is one <see cref="FakeTimeProvider"/>
/// shared by every engine; <see cref="Run"/> advances it in small steps and delivers packets between steps.
/// </summary>
internal sealed class SimulatedNetwork
{
    public static readonly IPAddress MulticastV4 = IPAddress.Parse("224.0.0.18");
    public static readonly IPAddress MulticastV6 = IPAddress.Parse("ff02::12");

    private readonly List<SimTransport> _transports = [];
    private readonly List<Pending> _pending = [];
    private readonly Dictionary<(IPAddress, IPAddress), double> _linkLoss = [];
    private readonly Random _random;
    private Dictionary<IPAddress, int>? _partition;

    public SimulatedNetwork(int seed = 1, TimeSpan? step = null)
    {
        _random = new Random(seed);
        Step = step ?? TimeSpan.FromMilliseconds(1);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>How far <see cref="Run"/> advances the clock between deliveries.</summary>
    public TimeSpan Step { get; }

    /// <summary>Loss probability on every link (0..1).</summary>
    public double Loss { get; set; }

    /// <summary>Packets sent and delivered, for sanity checks.</summary>
    public long Sent { get; private set; }

    public long Delivered { get; private set; }

    /// <summary>Called after every step (e.g. to check invariants).</summary>
    public Action? AfterStep { get; set; }

    public SimTransport Attach(IPAddress local, params IPAddress[] unicastPeers)
    {
        var t = new SimTransport(this, local, unicastPeers);
        _transports.Add(t);
        return t;
    }

    public void SetLinkLoss(IPAddress a, IPAddress b, double loss)
    {
        _linkLoss[(a, b)] = loss;
        _linkLoss[(b, a)] = loss;
    }

    /// <summary>Loss probability of packets from <paramref name="from"/> to <paramref name="to"/> only (one-way advert loss).</summary>
    public void SetOneWayLoss(IPAddress from, IPAddress to, double loss) => _linkLoss[(from, to)] = loss;

    /// <summary>Splits the segment: packets flow only within a group. Nodes not listed are isolated.</summary>
    public void Partition(params IPAddress[][] groups)
    {
        _partition = [];
        for (int g = 0; g < groups.Length; g++)
        {
            foreach (var a in groups[g])
            {
                _partition[a] = g;
            }
        }
    }

    public void Heal() => _partition = null;

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Advances time by <paramref name="duration"/> in steps, delivering packets after each step.</summary>
    public void Run(TimeSpan duration)
    {
        var end = Time.GetUtcNow() + duration;
        while (Time.GetUtcNow() < end)
        {
            var step = end - Time.GetUtcNow() < Step ? end - Time.GetUtcNow() : Step;
            Time.Advance(step);
            DeliverDue();
            AfterStep?.Invoke();
        }
    }

    /// <summary>Runs until <paramref name="condition"/> holds (checked after every step) or <paramref name="limit"/> passes; returns the elapsed time or null.</summary>
    public TimeSpan? RunUntil(Func<bool> condition, TimeSpan limit)
    {
        var start = Time.GetUtcNow();
        while (Time.GetUtcNow() - start < limit)
        {
            Time.Advance(Step);
            DeliverDue();
            AfterStep?.Invoke();
            if (condition())
            {
                return Time.GetUtcNow() - start;
            }
        }

        return null;
    }

    /// <summary>Hands a raw packet to one transport at once (tests of validation: spoofed sources, TTL).</summary>
    public static void Inject(SimTransport to, ReadOnlySpan<byte> payload, IPAddress source, IPAddress destination, byte ttl = 255)
    {
        var packet = new VrrpReceivedPacket(payload, source.GetAddressBytes(), destination.GetAddressBytes(), ttl, to.IsIPv6);
        to.Handler?.OnPacket(packet);
    }

    internal void Enqueue(SimTransport from, IPAddress destination, ReadOnlySpan<byte> payload)
    {
        Sent++;
        _pending.Add(new Pending(from, destination, payload.ToArray()));
    }

    private void DeliverDue()
    {
        // Packets sent while delivering are delivered after the next step (no re-entrancy into a sender).
        if (_pending.Count == 0)
        {
            return;
        }

        var batch = _pending.ToArray();
        _pending.Clear();
        foreach (var p in batch)
        {
            if (p.From.Crashed)
            {
                continue;
            }

            bool multicast = p.Destination.Equals(MulticastV4) || p.Destination.Equals(MulticastV6);
            foreach (var to in _transports)
            {
                if (to.Crashed || to.Handler is null || to.IsIPv6 != p.From.IsIPv6)
                {
                    continue;
                }

                if (multicast ? false : !to.LocalAddress.Equals(p.Destination))
                {
                    continue;
                }

                if (!ReferenceEquals(to, p.From))
                {
                    if (_partition is not null &&
                        (!_partition.TryGetValue(p.From.LocalAddress, out int g1) || !_partition.TryGetValue(to.LocalAddress, out int g2) || g1 != g2))
                    {
                        continue;
                    }

                    double loss = _linkLoss.TryGetValue((p.From.LocalAddress, to.LocalAddress), out double l) ? l : Loss;
                    if (loss > 0 && _random.NextDouble() < loss)
                    {
                        continue;
                    }
                }

                Delivered++;
                if (to.ReceiveStalled)
                {
                    to.Queued.Enqueue((p.From.LocalAddressBytes, p.Destination.GetAddressBytes(), p.Payload));
                    continue;
                }

                var packet = new VrrpReceivedPacket(p.Payload, p.From.LocalAddressBytes, p.Destination.GetAddressBytes(), to.DeliveredTtl, to.IsIPv6);
                to.Handler.OnPacket(packet);
            }
        }
    }

    private sealed record Pending(SimTransport From, IPAddress Destination, byte[] Payload);
}

/// <summary>One node's VRRP transport on a <see cref="SimulatedNetwork"/>.</summary>
internal sealed class SimTransport : IVrrpTransport, IVrrpReceiveBacklog
{
    private readonly SimulatedNetwork _network;

    public SimTransport(SimulatedNetwork network, IPAddress local, IPAddress[] unicastPeers)
    {
        _network = network;
        LocalAddress = local;
        LocalAddressBytes = local.GetAddressBytes();
        IsIPv6 = local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        Destinations = unicastPeers.Length > 0 ? unicastPeers : [IsIPv6 ? SimulatedNetwork.MulticastV6 : SimulatedNetwork.MulticastV4];
    }

    public bool IsIPv6 { get; }

    public IPAddress LocalAddress { get; }

    public byte[] LocalAddressBytes { get; }

    public IReadOnlyList<IPAddress> Destinations { get; }

    public IVrrpPacketHandler? Handler { get; private set; }

    /// <summary>A crashed node sends and receives nothing (its engine keeps running in its own bubble).</summary>
    public bool Crashed { get; set; }

    /// <summary>The TTL receivers see (255 unless a test simulates a routed packet).</summary>
    public byte DeliveredTtl { get; set; } = 255;

    public int StartCount { get; private set; }

    /// <summary>
    /// A starved receive loop: packets reaching this node wait in <see cref="Queued"/> (the socket's queue) instead of
    /// reaching the engine, until <see cref="ResumeReceive"/>; its timers keep running.
    /// </summary>
    public bool ReceiveStalled { get; set; }

    /// <summary>Packets waiting while <see cref="ReceiveStalled"/>: source, destination, payload.</summary>
    public Queue<(byte[] Source, byte[] Destination, byte[] Payload)> Queued { get; } = new();

    /// <summary>Polled by the engine like FIONREAD on the real socket.</summary>
    public int PendingPolls { get; private set; }

    /// <inheritdoc />
    public bool HasPendingInput
    {
        get
        {
            PendingPolls++;
            return Queued.Count > 0;
        }
    }

    /// <summary>The receive loop runs again: every queued packet reaches the engine, in order.</summary>
    public void ResumeReceive()
    {
        ReceiveStalled = false;
        while (Queued.TryDequeue(out var q))
        {
            Handler?.OnPacket(new VrrpReceivedPacket(q.Payload, q.Source, q.Destination, DeliveredTtl, IsIPv6));
        }
    }

    public bool Disposed { get; private set; }

    public ValueTask StartAsync(IVrrpPacketHandler handler, CancellationToken cancellationToken = default)
    {
        Handler = handler;
        StartCount++;
        return ValueTask.CompletedTask;
    }

    /// <summary>Every payload this transport sent, when <see cref="RecordSent"/> is on.</summary>
    public List<byte[]> SentPayloads { get; } = [];

    public bool RecordSent { get; set; }

    /// <summary>Called with a copy of each payload as it is sent (on the sender's thread).</summary>
    public Action<byte[]>? OnSend { get; set; }

    public void Send(ReadOnlySpan<byte> payload, int destinationIndex)
    {
        if (RecordSent)
        {
            SentPayloads.Add(payload.ToArray());
        }

        OnSend?.Invoke(payload.ToArray());

        _network.Enqueue(this, Destinations[destinationIndex], payload);
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        Handler = null;
        return ValueTask.CompletedTask;
    }
}

/// <summary>One simulated node: transport, binder, announcer and its routers.</summary>
internal sealed class SimNode
{
    public SimNode(string name, SimTransport transport, FakeVipBinder binder, FakeAnnouncer announcer, IReadOnlyList<VrrpRouter> routers)
    {
        Name = name;
        Transport = transport;
        Binder = binder;
        Announcer = announcer;
        Routers = routers;
    }

    public string Name { get; }

    public SimTransport Transport { get; }

    public FakeVipBinder Binder { get; }

    public FakeAnnouncer Announcer { get; }

    public IReadOnlyList<VrrpRouter> Routers { get; }

    public VrrpRouter Router => Routers[0];

    public IPAddress Address => Transport.LocalAddress;

    public VrrpState State => Router.State;

    public List<VrrpStateChangedEventArgs> Events { get; } = [];

    public override string ToString() => $"{Name} {Address} {State}";
}

/// <summary>Builds simulated nodes.</summary>
internal static class Sim
{
    public static readonly VipAddress Vip4 = VipAddress.Parse("192.0.2.100/24");
    public static readonly VipAddress Vip6 = VipAddress.Parse("2001:db8::100/64");

    public static VrrpRouterOptions Options(string name, int priority, Action<VrrpRouterOptions>? configure = null, int vrid = 51, bool ipv6 = false)
    {
        var o = new VrrpRouterOptions
        {
            Name = name,
            Interface = "sim0",
            VirtualRouterId = vrid,
            Priority = priority,
            Vips = [ipv6 ? Vip6 : Vip4],
            RemoveStaleAddressesOnStart = false,
        };
        configure?.Invoke(o);
        return o;
    }

    /// <summary>Creates a node with one or more routers on one transport.</summary>
    public static SimNode Node(SimulatedNetwork network, string address, params VrrpRouterOptions[] routers) =>
        Node(network, IPAddress.Parse(address), [], routers);

    public static SimNode Node(SimulatedNetwork network, IPAddress address, IPAddress[] unicastPeers, params VrrpRouterOptions[] routers)
    {
        var transport = network.Attach(address, unicastPeers);
        var binder = new FakeVipBinder();
        var announcer = new FakeAnnouncer();
        var created = VirtualRouterFactory.CreateCore(routers, _ => transport, binder, announcer, network.Time, NullLoggerFactory.Instance);
        var node = new SimNode(routers[0].Name, transport, binder, announcer, created);
        foreach (var r in created)
        {
            r.StateChanged += (_, e) =>
            {
                lock (node.Events)
                {
                    node.Events.Add(e);
                }
            };
        }

        return node;
    }

    public static void Start(params SimNode[] nodes)
    {
        foreach (var n in nodes)
        {
            foreach (var r in n.Routers)
            {
                r.StartAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult();
            }
        }
    }

    public static async Task IdleAsync(params SimNode[] nodes)
    {
        foreach (var n in nodes)
        {
            foreach (var r in n.Routers)
            {
                await r.WhenIdleAsync();
            }
        }
    }

    public static int Masters(params SimNode[] nodes) => nodes.Count(n => n.State == VrrpState.Master);

    /// <summary>Master_Down_Interval for a priority and advert interval (v3 formula).</summary>
    public static TimeSpan MasterDown(int priority, TimeSpan interval) =>
        TimeSpan.FromTicks((3 * interval.Ticks) + ((256 - priority) * interval.Ticks / 256));

    public static TimeSpan Skew(int priority, TimeSpan interval) => TimeSpan.FromTicks((256 - priority) * interval.Ticks / 256);
}
