using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VirtualIp.Addressing;
using VirtualIp.Events;
using VirtualIp.Simulation;

namespace VirtualIp.Demo.Simulated;

/// <summary>
/// The scenario on the in-memory <see cref="SimulatedLan"/>: three real VirtualIp hosts whose platform is a
/// <see cref="SimulatedNode"/>, real time, real VRRP adverts and gratuitous ARP frames, delivered in memory.
/// The client's view is the ARP cache the LAN builds from the frames it saw.
/// </summary>
internal sealed class SimulatedNetwork(string reason) : IDemoNetwork
{
    private readonly SimulatedLan _lan = new();
    private readonly Dictionary<string, SimulatedNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IHost> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EventHandler<VirtualIpEvent>> _handlers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopProbe = new();
    private Task _probe = Task.CompletedTask;

    public string Title => $"VirtualIp demo on the SIMULATED network (in-memory SimulatedLan, no real packets): {reason}.{Environment.NewLine}" +
        "Run it as root on Linux for the real thing (network namespaces, raw VRRP sockets, gratuitous ARP).";

    public string HolderSource => "SimulatedNode.Holds";

    public Task BuildAsync(CancellationToken cancellationToken)
    {
        foreach (var n in DemoSettings.Nodes)
        {
            _nodes[n.Name] = _lan.AddNode(n.Name, n.Address, n.Mac);
        }

        Narrator.Say($"simulated LAN: {string.Join(", ", DemoSettings.Nodes.Select(n => $"{n.Name} {n.Address} {n.Mac}"))}, client {DemoSettings.ClientAddress}");
        return Task.CompletedTask;
    }

    public Task StartProbeAsync(Observations observations, CancellationToken cancellationToken)
    {
        var tracker = new ProbeTracker(observations.Probe);
        var token = _stopProbe.Token;
        _probe = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(DemoSettings.ProbeInterval);
            long seq = 0;
            try
            {
                while (await timer.WaitForNextTickAsync(token))
                {
                    var now = Narrator.Now;
                    if (_lan.ClientProbe(DemoSettings.Vip.Address) is { } node)
                    {
                        tracker.OnAnswer(seq, node.NodeName, now);
                    }

                    tracker.OnTick(seq++, now);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StartNodeAsync(DemoNode node, Observations observations, CancellationToken cancellationToken)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddVirtualIp(o => o.RemoveStaleAddressesOnStart = false)
            .UsePlatform(_nodes[node.Name])
            .AddFloatingVip(r =>
            {
                r.Name = DemoSettings.Router4;
                r.Interface = SimulatedNode.InterfaceName;
                r.VirtualRouterId = DemoSettings.VirtualRouterId;
                r.Priority = node.Priority;
                r.AdvertisementInterval = DemoSettings.AdvertInterval;
                r.Vips.Add(DemoSettings.Vip);
            });
        var host = builder.Build();
        EventHandler<VirtualIpEvent> handler = (_, e) => Report(node.Name, e, observations);
        host.Services.GetRequiredService<IVirtualIpEvents>().Published += handler;
        _hosts[node.Name] = host;
        _handlers[node.Name] = handler;
        await host.StartAsync(cancellationToken);
    }

    public async Task KillNodeAsync(DemoNode node, CancellationToken cancellationToken)
    {
        // Cut off first: from now on nothing it does reaches the LAN. Then tear the host down silently.
        _nodes[node.Name].Disconnect();
        Narrator.Say($"{node.Name}: disconnected from the LAN (dead host)");
        await DropHostAsync(node.Name);
    }

    public async Task ReviveNodeAsync(DemoNode node, Observations observations, CancellationToken cancellationToken)
    {
        _nodes[node.Name].Reconnect();
        await StartNodeAsync(node, observations, cancellationToken);
    }

    public async Task StopNodeAsync(DemoNode node, CancellationToken cancellationToken)
    {
        if (_hosts.Remove(node.Name, out var host))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(timeout.Token);
            DetachEvents(node.Name, host);
            host.Dispose();
            Narrator.Say($"{node.Name}: stopped");
        }
    }

    public Task<IReadOnlyList<string>> HoldersAsync(VipAddress vip, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([.. DemoSettings.Nodes.Where(n => _nodes[n.Name].IsConnected && _nodes[n.Name].Holds(vip.Address)).Select(n => n.Name)]);

    public Task<(string Text, DemoNode? Node)> ClientViewAsync(VipAddress vip, CancellationToken cancellationToken)
    {
        var mac = _lan.ClientResolve(vip.Address);
        return Task.FromResult(mac is { } m ? ($"ARP {vip.Address} -> {m}", DemoSettings.NodeByMac(m)) : ($"no ARP entry for {vip.Address}", (DemoNode?)null));
    }

    public async ValueTask DisposeAsync()
    {
        await _stopProbe.CancelAsync();
        await _probe;
        foreach (var name in _hosts.Keys.ToList())
        {
            await DropHostAsync(name);
        }

        _stopProbe.Dispose();
    }

    private async Task DropHostAsync(string name)
    {
        if (_hosts.Remove(name, out var host))
        {
            DetachEvents(name, host);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(timeout.Token);
            host.Dispose();
        }
    }

    private void DetachEvents(string name, IHost host)
    {
        if (_handlers.Remove(name, out var h))
        {
            host.Services.GetRequiredService<IVirtualIpEvents>().Published -= h;
        }
    }

    private static void Report(string node, VirtualIpEvent e, Observations observations)
    {
        switch (e)
        {
            case RouterStateChangedEvent s:
                observations.NodeState(node, s.Router, s.Timestamp, s.OldState, s.NewState, s.Reason.ToString(), s.Priority);
                break;
            case VipBindingChangedEvent b:
                observations.NodeVip(node, b.Timestamp, b.Bound, b.Vip.ToString());
                break;
            case ActionFailedEvent f:
                observations.NodeMessage(node, f.Timestamp, $"{f.Action} failed: {f.Error}");
                break;
        }
    }
}
