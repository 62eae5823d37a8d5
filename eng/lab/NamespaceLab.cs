using System.Globalization;

namespace VirtualIp.Lab;

/// <summary>
/// The integration-test lab rebuilt for the namespace tools (same layout as tests/.../Lab/NetnsLab.cs and eng/lab.sh;
/// shared by eng/chaos/VirtualIp.Chaos and benchmarks/VirtualIp.FailoverBench, linked source): a switch namespace with
/// bridge br0 (ports p-n1..p-nN, p-client), node namespaces n1..nN (eth0, 02:00:00:00:00:0i, 192.0.2.(10+i)/24,
/// 2001:db8::(10+i)/64) and a client (02:00:00:00:00:fe, 192.0.2.2/24, 2001:db8::2/64, arp_accept=1). Documentation
/// addresses only, only inside these namespaces. Dispose kills what still runs in them and deletes every namespace
/// (idempotent).
/// </summary>
internal sealed class NamespaceLab : IDisposable
{
    private readonly List<string> _namespaces = [];
    private int _disposed;

    private NamespaceLab(string id, int nodes)
    {
        Id = id;
        Nodes = nodes;
    }

    public string Id { get; }

    public int Nodes { get; }

    public string Switch => $"vip-{Id}-sw";

    public string Client => $"vip-{Id}-client";

    public string Node(int i) => $"vip-{Id}-n{i}";

    public static string Port(int i) => $"p-n{i}";

    public static string NodeIPv4(int i) => string.Create(CultureInfo.InvariantCulture, $"192.0.2.{10 + i}");

    public static string NodeMac(int i) => string.Create(CultureInfo.InvariantCulture, $"02:00:00:00:00:{i:x2}");

    /// <summary>Builds the lab (namespaces vip-<paramref name="id"/>-*) and registers its removal with <see cref="Cleanup"/>.</summary>
    public static NamespaceLab Create(int nodes, string id)
    {
        var lab = new NamespaceLab(id, nodes);
        Cleanup.Register(lab.Dispose);
        try
        {
            lab.Build();
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    private void AddNamespace(string ns)
    {
        Shell.Must("ip", "netns", "add", ns);
        lock (_namespaces)
        {
            _namespaces.Add(ns);
        }

        Shell.Must("ip", "-n", ns, "link", "set", "lo", "up");
        Shell.Must("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
            "net.ipv6.conf.all.keep_addr_on_down=1", "net.ipv6.conf.default.keep_addr_on_down=1");
    }

    private void Build()
    {
        AddNamespace(Switch);
        Shell.Must("ip", "netns", "exec", Switch, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        Shell.Must("ip", "-n", Switch, "link", "add", "br0", "type", "bridge", "stp_state", "0", "mcast_snooping", "0");
        Shell.Must("ip", "-n", Switch, "link", "set", "br0", "up");
        var members = Enumerable.Range(1, Nodes).Select(i => (Ns: Node(i), Port: Port(i), Mac: NodeMac(i), Host: 10 + i)).ToList();
        members.Add((Client, "p-client", "02:00:00:00:00:fe", 2));
        foreach (var m in members)
        {
            AddNamespace(m.Ns);
            if (m.Ns == Client)
            {
                Shell.Must("ip", "netns", "exec", m.Ns, "sysctl", "-q", "-w", "net.ipv4.conf.all.arp_accept=1", "net.ipv4.conf.default.arp_accept=1");
            }

            Shell.Must("ip", "-n", Switch, "link", "add", m.Port, "type", "veth", "peer", "name", "eth0", "netns", m.Ns);
            Shell.Must("ip", "-n", Switch, "link", "set", m.Port, "master", "br0", "up");
            Shell.Must("ip", "-n", m.Ns, "link", "set", "eth0", "address", m.Mac, "up");
            Shell.Must("ip", "-n", m.Ns, "addr", "add", string.Create(CultureInfo.InvariantCulture, $"192.0.2.{m.Host}/24"), "dev", "eth0");
            Shell.Must("ip", "-n", m.Ns, "addr", "add", string.Create(CultureInfo.InvariantCulture, $"2001:db8::{m.Host}/64"), "dev", "eth0", "nodad");
        }
    }

    /// <summary>True when <paramref name="vip"/> (no prefix) is on eth0 in <paramref name="ns"/>.</summary>
    public static bool HoldsAddress(string ns, string vip) =>
        Shell.Run("ip", "-n", ns, "-o", "addr", "show", "dev", "eth0").Output.Contains($" {vip}/", StringComparison.Ordinal);

    /// <summary>Namespaces of lab <paramref name="id"/> still present, and the PIDs still running in them.</summary>
    public static (string[] Namespaces, string[] Pids) Leftovers(string id)
    {
        var names = Shell.Run("ip", "netns", "list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0]).Where(n => n.StartsWith($"vip-{id}-", StringComparison.Ordinal)).ToArray();
        var pids = names.SelectMany(n => Shell.Run("ip", "netns", "pids", n).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        return (names, pids);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        string[] all;
        lock (_namespaces)
        {
            all = [.. _namespaces];
        }

        foreach (var ns in all)
        {
            foreach (var pid in Shell.Run("ip", "netns", "pids", ns).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Native.Kill(int.Parse(pid, CultureInfo.InvariantCulture), Native.SIGKILL);
            }

            Shell.Run("ip", "netns", "del", ns);
        }
    }
}
