using System.Globalization;
using System.Security.Cryptography;
using VirtualIp.Addressing;

namespace VirtualIp.Demo.Namespaces;

/// <summary>
/// The scenario on a real kernel network built from namespaces this run creates (names vipdemo-&lt;hex&gt;-*): a switch
/// namespace with bridge br0, node namespaces n1..n3 and a client namespace, each joined to the bridge by a veth pair.
/// Each node runs this program in node mode (a VirtualIp host on the Linux platform); the client runs it in probe mode.
/// Documentation addresses only, and only inside these namespaces; nothing touches the root namespace's interfaces.
/// </summary>
internal sealed class NamespaceNetwork : IDemoNetwork
{
    private const string Bridge = "br0";
    private readonly string _id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    private readonly List<string> _namespaces = [];
    private readonly Dictionary<string, ChildProcess> _nodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dead = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private ChildProcess? _probe;
    private int _disposed;

    public string Title => "VirtualIp demo on a REAL network: Linux network namespaces created for this run (running as root), " +
        $"raw VRRP sockets, rtnetlink and gratuitous ARP from the library.";

    public string HolderSource => "ip -n NS -o addr";

    private string Ns(string role) => $"vipdemo-{_id}-{role}";

    private static string Port(string role) => $"p-{role}";

    public async Task BuildAsync(CancellationToken ct)
    {
        string sw = Ns("sw");
        await AddNamespaceAsync(sw, ct);
        await Tools.SysctlAsync(sw, ct, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        await Tools.IpAsync(ct, "-n", sw, "link", "add", Bridge, "type", "bridge", "stp_state", "0", "mcast_snooping", "0");
        await Tools.IpAsync(ct, "-n", sw, "link", "set", Bridge, "up");
        foreach (var n in DemoSettings.Nodes)
        {
            await JoinAsync(n.Name, n.Mac, n.Address, n.Address6, client: false, ct);
        }

        await JoinAsync("client", DemoSettings.ClientMac, DemoSettings.ClientAddress, DemoSettings.ClientAddress6, client: true, ct);
        Narrator.Say($"built namespaces {string.Join(", ", _namespaces)}: bridge {Bridge} in {sw}, a veth pair per host, " +
            $"{string.Join(", ", DemoSettings.Nodes.Select(n => $"{n.Name} {n.Address}{(DemoSettings.WithIpv6 ? $" {n.Address6}" : "")} {n.Mac}"))}, " +
            $"client {DemoSettings.ClientAddress}{(DemoSettings.WithIpv6 ? $" {DemoSettings.ClientAddress6}" : "")} (arp_accept=1)");
    }

    private async Task AddNamespaceAsync(string ns, CancellationToken ct)
    {
        lock (_gate)
        {
            _namespaces.Add(ns); // before creating it: a Ctrl-C half-way must still remove it
        }

        await Tools.IpAsync(ct, "netns", "add", ns);

        await Tools.IpAsync(ct, "-n", ns, "link", "set", "lo", "up");
    }

    private async Task JoinAsync(string role, MacAddress mac, System.Net.IPAddress address, System.Net.IPAddress address6, bool client, CancellationToken ct)
    {
        string ns = Ns(role);
        await AddNamespaceAsync(ns, ct);
        await Tools.SysctlAsync(ns, ct, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        if (client)
        {
            // Gratuitous ARP updates (and creates) the client's entry for the VIP: that is how it follows the master.
            await Tools.SysctlAsync(ns, ct, "net.ipv4.conf.all.arp_accept=1", "net.ipv4.conf.default.arp_accept=1");
        }

        await Tools.IpAsync(ct, "-n", Ns("sw"), "link", "add", Port(role), "type", "veth", "peer", "name", DemoSettings.Interface, "netns", ns);
        await Tools.IpAsync(ct, "-n", Ns("sw"), "link", "set", Port(role), "master", Bridge, "up");
        await Tools.IpAsync(ct, "-n", ns, "link", "set", DemoSettings.Interface, "address", mac.ToString(), "up");
        await Tools.IpAsync(ct, "-n", ns, "addr", "add", $"{address}/24", "dev", DemoSettings.Interface);
        if (DemoSettings.WithIpv6)
        {
            await Tools.IpAsync(ct, "-n", ns, "addr", "add", $"{address6}/64", "dev", DemoSettings.Interface, "nodad");
        }
    }

    public Task StartProbeAsync(Observations observations, CancellationToken ct)
    {
        string[] v6 = DemoSettings.WithIpv6 ? ["--probe6", DemoSettings.Vip6.Address.ToString()] : [];
        _probe = ChildProcess.Start("client", Ns("client"), ["--probe", DemoSettings.Vip.Address.ToString(), .. v6, "--port", Text(DemoSettings.EchoPort)],
            line => LineProtocol.DispatchProbe(line, observations));
        return Task.CompletedTask;
    }

    public Task StartNodeAsync(DemoNode node, Observations observations, CancellationToken ct)
    {
        var child = ChildProcess.Start(node.Name, Ns(node.Name),
            ["--node", node.Name, "--interface", DemoSettings.Interface, "--priority", Text(node.Priority), "--vip", DemoSettings.Vip.ToString(),
             "--vrid", Text(DemoSettings.VirtualRouterId), "--advert", $"{DemoSettings.AdvertInterval.TotalMilliseconds}ms", "--port", Text(DemoSettings.EchoPort),
             .. (DemoSettings.WithIpv6 ? (string[])["--vip6", DemoSettings.Vip6.ToString()] : [])],
            line => LineProtocol.DispatchNode(node.Name, line, observations));
        lock (_gate)
        {
            _nodes[node.Name] = child;
            _dead.Remove(node.Name);
        }

        return Task.CompletedTask;
    }

    public async Task KillNodeAsync(DemoNode node, CancellationToken ct)
    {
        var child = _nodes[node.Name];
        child.Signal(Signals.SigStop);
        var (_, inside, _) = await Tools.RunAsync("ip", ["netns", "identify", child.Pid.ToString(CultureInfo.InvariantCulture)], ct);
        Narrator.Say($"{node.Name}: process {child.Pid} (network namespace {inside.Trim()}) frozen (SIGSTOP)");
        await Tools.IpAsync(ct, "-n", Ns("sw"), "link", "set", Port(node.Name), "down");
        Narrator.Say($"{node.Name}: link cut (switch port {Port(node.Name)} down)");
        await child.KillAsync();
        lock (_gate)
        {
            _dead.Add(node.Name);
        }

        Narrator.Say($"{node.Name}: process killed (SIGKILL); the VIP stays on its dead interface, unreachable");
    }

    public async Task ReviveNodeAsync(DemoNode node, Observations observations, CancellationToken ct)
    {
        // A reboot clears the interface: the address the killed process left behind goes with it.
        await Tools.RunAsync("ip", ["-n", Ns(node.Name), "addr", "del", DemoSettings.Vip.ToString(), "dev", DemoSettings.Interface], ct);
        await Tools.RunAsync("ip", ["-n", Ns(node.Name), "addr", "del", DemoSettings.Vip6.ToString(), "dev", DemoSettings.Interface], ct);
        await Tools.IpAsync(ct, "-n", Ns("sw"), "link", "set", Port(node.Name), "up");
        Narrator.Say($"{node.Name}: rebooted (VIP gone from its interface), link up");
        _nodes[node.Name].Dispose();
        await StartNodeAsync(node, observations, ct);
    }

    public async Task StopNodeAsync(DemoNode node, CancellationToken ct)
    {
        if (_nodes.TryGetValue(node.Name, out var child) && !child.HasExited)
        {
            await child.StopAsync(TimeSpan.FromSeconds(5));
            Narrator.Say($"{node.Name}: process exited");
        }
    }

    public async Task<IReadOnlyList<string>> HoldersAsync(VipAddress vip, CancellationToken ct)
    {
        var holders = new List<string>();
        foreach (var n in DemoSettings.Nodes)
        {
            bool dead;
            lock (_gate)
            {
                dead = _dead.Contains(n.Name);
            }

            var addrs = await Tools.IpAsync(ct, "-n", Ns(n.Name), "-o", "addr", "show", "dev", DemoSettings.Interface);
            if (addrs.Contains($" {vip} ", StringComparison.Ordinal))
            {
                holders.Add(dead ? $"{n.Name} (dead, link cut)" : n.Name);
            }
        }

        return holders;
    }

    public async Task<(string Text, DemoNode? Node)> ClientViewAsync(VipAddress vip, CancellationToken ct)
    {
        var line = (await Tools.IpAsync(ct, "-n", Ns("client"), "neigh", "show", vip.Address.ToString())).Trim();
        if (line.Length == 0)
        {
            return ($"no neighbour entry for {vip.Address}", null);
        }

        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int i = Array.IndexOf(parts, "lladdr");
        var node = i >= 0 && i + 1 < parts.Length && MacAddress.TryParse(parts[i + 1], out var mac) ? DemoSettings.NodeByMac(mac) : null;
        return ($"'{line}'", node);
    }

    /// <summary>Kills every child and deletes every namespace of this run; safe to call twice, also after a failure half-way.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var children = _nodes.Values.Append(_probe).OfType<ChildProcess>().ToList();
        foreach (var c in children)
        {
            await c.KillAsync(); // a namespace lives on while a process is in it
            c.Dispose();
        }

        int removed = 0;
        List<string> namespaces;
        lock (_gate)
        {
            namespaces = [.. _namespaces];
        }

        // Also whatever carries this run's prefix (an "ip netns add" interrupted by Ctrl-C may still have completed).
        var (_, existing, _) = await Tools.RunAsync("ip", ["netns", "list"]);
        var present = existing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' ')[0]).Where(n => n.StartsWith($"vipdemo-{_id}-", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        namespaces = [.. namespaces.Where(present.Contains), .. present.Except(namespaces)];
        foreach (var ns in Enumerable.Reverse(namespaces))
        {
            var (code, _, error) = await Tools.RunAsync("ip", ["netns", "del", ns]);
            if (code == 0)
            {
                removed++;
            }
            else
            {
                Narrator.Say($"could not delete namespace {ns}: {error.Trim()}");
            }
        }

        var (_, list, _) = await Tools.RunAsync("ip", ["netns", "list"]);
        bool left = list.Contains($"vipdemo-{_id}-", StringComparison.Ordinal);
        Narrator.Say($"removed {removed} namespace{(removed == 1 ? "" : "s")} (vipdemo-{_id}-*){(left ? "; SOME ARE LEFT, see ip netns list" : "; nothing left behind")}");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
