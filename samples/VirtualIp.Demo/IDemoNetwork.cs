using VirtualIp.Addressing;

namespace VirtualIp.Demo;

/// <summary>Where the scenario runs: real network namespaces, or the in-memory simulated LAN.</summary>
internal interface IDemoNetwork : IAsyncDisposable
{
    /// <summary>The first line of the output: which network, and why.</summary>
    string Title { get; }

    /// <summary>Where "who holds the VIP" comes from, for the narrative.</summary>
    string HolderSource { get; }

    /// <summary>Builds the network and prints its layout.</summary>
    Task BuildAsync(CancellationToken cancellationToken);

    /// <summary>Starts the client probing the VIP every 10 ms; answers go to <paramref name="observations"/>.</summary>
    Task StartProbeAsync(Observations observations, CancellationToken cancellationToken);

    /// <summary>Starts a VirtualIp node (and its echo responder) reporting to <paramref name="observations"/>.</summary>
    Task StartNodeAsync(DemoNode node, Observations observations, CancellationToken cancellationToken);

    /// <summary>The node dies like a host losing power: frozen, cut off the network, killed. Nothing is sent on its behalf.</summary>
    Task KillNodeAsync(DemoNode node, CancellationToken cancellationToken);

    /// <summary>The dead node reboots: link back, VirtualIp started again.</summary>
    Task ReviveNodeAsync(DemoNode node, Observations observations, CancellationToken cancellationToken);

    /// <summary>Stops a node gracefully (a master sends priority 0 and releases the VIP).</summary>
    Task StopNodeAsync(DemoNode node, CancellationToken cancellationToken);

    /// <summary>The nodes that have <paramref name="vip"/> bound on their interface.</summary>
    Task<IReadOnlyList<string>> HoldersAsync(VipAddress vip, CancellationToken cancellationToken);

    /// <summary>The client's neighbour entry for <paramref name="vip"/>: a description and the node whose MAC it holds.</summary>
    Task<(string Text, DemoNode? Node)> ClientViewAsync(VipAddress vip, CancellationToken cancellationToken);
}
