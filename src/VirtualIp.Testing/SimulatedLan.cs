using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using VirtualIp.Addressing;
using VirtualIp.Announcing;
using VirtualIp.Binding;
using VirtualIp.Election;
using VirtualIp.Frames;
using VirtualIp.Hosting;
using VirtualIp.Vrrp;

namespace VirtualIp.Simulation;

/// <summary>
/// An in-memory Ethernet segment for demos and tests without root: nodes hold addresses in memory, VRRP adverts are
/// delivered between connected nodes (with optional loss), and announcement frames are parsed by a client whose ARP
/// and neighbour cache therefore follows the VIP exactly as a real host's would.
/// </summary>
public sealed class SimulatedLan
{
    private readonly ConcurrentDictionary<string, SimulatedNode> _nodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IPAddress, MacAddress> _clientCache = new();
    private readonly Random _random;
    private readonly Lock _randomGate = new();

    /// <summary>Creates a segment.</summary>
    /// <param name="seed">Seed for packet loss.</param>
    public SimulatedLan(int seed = 1) => _random = new Random(seed);

    /// <summary>Probability (0..1) that any VRRP packet is lost.</summary>
    public double Loss { get; set; }

    /// <summary>The nodes.</summary>
    public IReadOnlyCollection<SimulatedNode> Nodes => [.. _nodes.Values];

    /// <summary>Adds a node with one interface "eth0".</summary>
    public SimulatedNode AddNode(string name, IPAddress primaryAddress, MacAddress mac)
    {
        var node = new SimulatedNode(this, name, primaryAddress, mac);
        if (!_nodes.TryAdd(name, node))
        {
            throw new ArgumentException($"A node named '{name}' already exists.", nameof(name));
        }

        return node;
    }

    /// <summary>The MAC the client would send to for <paramref name="address"/> (from the ARP/NA frames it saw), if any.</summary>
    public MacAddress? ClientResolve(IPAddress address) => _clientCache.TryGetValue(address, out var mac) ? mac : null;

    /// <summary>
    /// What a client's probe of <paramref name="address"/> reaches: the connected node that has the client's cached MAC and
    /// holds the address, or null (the probe fails).
    /// </summary>
    public SimulatedNode? ClientProbe(IPAddress address)
    {
        if (ClientResolve(address) is not { } mac)
        {
            return null;
        }

        foreach (var n in _nodes.Values)
        {
            if (n.IsConnected && n.Mac == mac && n.Holds(address))
            {
                return n;
            }
        }

        return null;
    }

    internal void DeliverVrrp(SimulatedNode from, IPAddress destination, ReadOnlySpan<byte> payload)
    {
        if (!from.IsConnected)
        {
            return;
        }

        foreach (var to in _nodes.Values)
        {
            if (to == from || !to.IsConnected)
            {
                continue;
            }

            bool multicast = destination.Equals(VrrpMulticastV4) || destination.Equals(VrrpMulticastV6);
            if (!multicast && !destination.Equals(to.PrimaryAddress))
            {
                continue;
            }

            if (Loss > 0)
            {
                lock (_randomGate)
                {
                    if (_random.NextDouble() < Loss)
                    {
                        continue;
                    }
                }
            }

            to.Enqueue(from.PrimaryAddress, destination, payload);
        }
    }

    internal void DeliverFrame(SimulatedNode from, ReadOnlySpan<byte> frame)
    {
        if (!from.IsConnected)
        {
            return;
        }

        if (Arp.TryParse(frame, out var arp, out _))
        {
            if (arp.IsGratuitous)
            {
                _clientCache[new IPAddress(arp.SenderProtocolAddress)] = arp.SenderHardwareAddress;
            }
        }
        else if (Ndp.TryParse(frame, out var na, out _) && na.Type == NdpMessageType.NeighborAdvertisement && na.TargetLinkLayerAddress is { } tlla)
        {
            _clientCache[new IPAddress(na.TargetAddress)] = tlla;
        }
    }

    internal static readonly IPAddress VrrpMulticastV4 = IPAddress.Parse("224.0.0.18");
    internal static readonly IPAddress VrrpMulticastV6 = IPAddress.Parse("ff02::12");
}

/// <summary>A node on a <see cref="SimulatedLan"/>; it is the <see cref="IVirtualIpPlatform"/> of the VirtualIp host that runs on it.</summary>
public sealed class SimulatedNode : IVirtualIpPlatform, IVipBinder, IFrameSenderFactory
{
    /// <summary>The simulated interface name.</summary>
    public const string InterfaceName = "eth0";

    private readonly SimulatedLan _lan;
    private readonly ConcurrentDictionary<IPAddress, int> _addresses = new();
    private readonly List<SimTransport> _transports = [];

    internal SimulatedNode(SimulatedLan lan, string name, IPAddress primary, MacAddress mac)
    {
        _lan = lan;
        NodeName = name;
        PrimaryAddress = primary;
        Mac = mac;
    }

    /// <summary>The node's name.</summary>
    public string NodeName { get; }

    /// <summary>The node's own address.</summary>
    public IPAddress PrimaryAddress { get; }

    /// <summary>The node's MAC.</summary>
    public MacAddress Mac { get; }

    /// <summary>False after <see cref="Disconnect"/>: nothing in or out (a pulled cable, a dead host).</summary>
    public bool IsConnected { get; private set; } = true;

    /// <summary>Cuts the node off the segment.</summary>
    public void Disconnect() => IsConnected = false;

    /// <summary>Connects it again.</summary>
    public void Reconnect() => IsConnected = true;

    /// <summary>True when the node has <paramref name="address"/> bound.</summary>
    public bool Holds(IPAddress address) => _addresses.ContainsKey(address);

    string IVirtualIpPlatform.Name => "simulated";

    IVipBinder IVirtualIpPlatform.Binder => this;

    IFrameSenderFactory IVirtualIpPlatform.FrameSenders => this;

    IAddressWatcher? IVirtualIpPlatform.CreateAddressWatcher() => null;

    IVrrpTransport IVirtualIpPlatform.CreateTransport(VrrpRouterOptions router)
    {
        ArgumentNullException.ThrowIfNull(router);
        bool v6 = router.Vips.Count > 0 && router.Vips[0].IsIPv6;
        IPAddress[] destinations = router.UnicastPeers.Count > 0 ? [.. router.UnicastPeers] : [v6 ? SimulatedLan.VrrpMulticastV6 : SimulatedLan.VrrpMulticastV4];
        var t = new SimTransport(this, v6, destinations);
        lock (_transports)
        {
            _transports.Add(t);
        }

        return t;
    }

    IFrameSender IFrameSenderFactory.Create(string interfaceName) => new SimFrameSender(this, interfaceName);

    ValueTask<bool> IVipBinder.AddAsync(string interfaceName, VipAddress vip, VipBindOptions? options, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_addresses.TryAdd(vip.Address, vip.PrefixLength));

    ValueTask<bool> IVipBinder.RemoveAsync(string interfaceName, VipAddress vip, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_addresses.TryRemove(vip.Address, out _));

    ValueTask<IReadOnlyList<BoundAddress>> IVipBinder.ListAsync(string interfaceName, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<BoundAddress>>([.. _addresses.Select(a => new BoundAddress(a.Key, a.Value, 2, null, 0, true))]);

    ValueTask<IReadOnlyList<BoundAddress>> IVipBinder.RemoveStaleAsync(string interfaceName, IReadOnlyCollection<VipAddress>? keep, CancellationToken cancellationToken)
    {
        var removed = new List<BoundAddress>();
        foreach (var a in _addresses)
        {
            if (keep is null || !keep.Any(k => k.Address.Equals(a.Key)))
            {
                _addresses.TryRemove(a.Key, out _);
                removed.Add(new BoundAddress(a.Key, a.Value, 2, null, 0, true));
            }
        }

        return ValueTask.FromResult<IReadOnlyList<BoundAddress>>(removed);
    }

    ValueTask<InterfaceInfo> IVipBinder.GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new InterfaceInfo(InterfaceName, 2, Mac, 1500, IsConnected, PrimaryAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? PrimaryAddress : null, null));

    internal void Enqueue(IPAddress source, IPAddress destination, ReadOnlySpan<byte> payload)
    {
        SimTransport[] transports;
        lock (_transports)
        {
            transports = [.. _transports];
        }

        foreach (var t in transports)
        {
            if (t.IsIPv6 == (source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6))
            {
                t.Enqueue(source, destination, payload.ToArray());
            }
        }
    }

    private sealed class SimFrameSender(SimulatedNode node, string interfaceName) : IFrameSender
    {
        public string InterfaceName => interfaceName;

        public void Send(ReadOnlySpan<byte> frame) => node._lan.DeliverFrame(node, frame);

        public void Dispose()
        {
        }
    }

    private sealed class SimTransport(SimulatedNode node, bool ipv6, IPAddress[] destinations) : IVrrpTransport
    {
        private readonly Channel<(IPAddress Source, IPAddress Destination, byte[] Payload)> _queue =
            Channel.CreateUnbounded<(IPAddress, IPAddress, byte[])>(new UnboundedChannelOptions { SingleReader = true });
        private readonly CancellationTokenSource _stop = new();
        private Task _pump = Task.CompletedTask;

        public bool IsIPv6 => ipv6;

        public IPAddress LocalAddress => node.PrimaryAddress;

        public IReadOnlyList<IPAddress> Destinations => destinations;

        public ValueTask StartAsync(IVrrpPacketHandler handler, CancellationToken cancellationToken = default)
        {
            _pump = Task.Run(async () =>
            {
                try
                {
                    await foreach (var (src, dst, payload) in _queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
                    {
                        if (node.IsConnected)
                        {
                            var packet = new VrrpReceivedPacket(payload, src.GetAddressBytes(), dst.GetAddressBytes(), 255, ipv6);
                            handler.OnPacket(in packet);
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }, CancellationToken.None);
            return ValueTask.CompletedTask;
        }

        public void Send(ReadOnlySpan<byte> payload, int destinationIndex) => node._lan.DeliverVrrp(node, destinations[destinationIndex], payload);

        public void Enqueue(IPAddress source, IPAddress destination, byte[] payload) => _queue.Writer.TryWrite((source, destination, payload));

        public async ValueTask DisposeAsync()
        {
            _queue.Writer.TryComplete();
            await _stop.CancelAsync().ConfigureAwait(false);
            await _pump.ConfigureAwait(false);
            _stop.Dispose();
            lock (node._transports)
            {
                node._transports.Remove(this);
            }
        }
    }
}
