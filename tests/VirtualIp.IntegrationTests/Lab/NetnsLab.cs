using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using VirtualIp.Addressing;

namespace VirtualIp.IntegrationTests.Lab;

/// <summary>Options for <see cref="NetnsLab"/>.</summary>
internal sealed class NetnsLabOptions
{
    /// <summary>Number of node namespaces (n1..nN), 1 to 9. Default 2.</summary>
    public int Nodes { get; init; } = 2;

    /// <summary>Set net.ipv4.conf.*.arp_accept=1 in the client so gratuitous ARP creates/updates entries. Default true.</summary>
    public bool ClientArpAccept { get; init; } = true;

    /// <summary>The IPv4 /24 used: "192.0.2" (default) or "198.51.100".</summary>
    public string IPv4Prefix { get; init; } = "192.0.2";
}

/// <summary>
/// A throwaway network built from namespaces: a switch namespace holding a bridge, N node namespaces and a client
/// namespace, each joined to the bridge by a veth pair. Node i has MAC 02:00:00:00:00:0i, 192.0.2.(10+i)/24 and
/// 2001:db8::(10+i)/64 (nodad) on eth0; the client has 02:00:00:00:00:fe, 192.0.2.2 and 2001:db8::2. Namespace
/// names carry a random suffix so labs run in parallel. Dispose (sync or async, idempotent) deletes every namespace,
/// and a process-exit hook catches labs a crashed test forgot.
/// </summary>
/// <remarks>Test tooling only: this is the one place <c>ip</c> and <c>tcpdump</c> are used.</remarks>
internal sealed class NetnsLab : IAsyncDisposable, IDisposable
{
    /// <summary>The bridge inside the switch namespace.</summary>
    public const string Bridge = "br0";

    private static readonly ConcurrentDictionary<NetnsLab, byte> s_live = new();
    private readonly List<string> _namespaces = [];
    private readonly List<PcapCapture> _captures = [];
    private readonly Lock _gate = new();
    private int _disposed;

    static NetnsLab() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var lab in s_live.Keys)
        {
            lab.Dispose();
        }
    };

    private NetnsLab(string id, NetnsLabOptions options)
    {
        Id = id;
        Options = options;
        Switch = $"vip-{id}-sw";
    }

    /// <summary>The random suffix shared by this lab's namespaces.</summary>
    public string Id { get; }

    /// <summary>The options used.</summary>
    public NetnsLabOptions Options { get; }

    /// <summary>The switch namespace (holds <see cref="Bridge"/>).</summary>
    public string Switch { get; }

    /// <summary>The node namespaces n1..nN.</summary>
    public IReadOnlyList<LabNode> Nodes { get; private set; } = [];

    /// <summary>The client namespace.</summary>
    public LabNode Client { get; private set; } = null!;

    /// <summary>Every namespace of the lab.</summary>
    public IReadOnlyList<string> Namespaces => _namespaces;

    /// <summary>Builds the lab. On failure everything created so far is deleted.</summary>
    public static async Task<NetnsLab> CreateAsync(NetnsLabOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new NetnsLabOptions();
        if (options.Nodes is < 1 or > 9)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Nodes, "A lab has 1 to 9 nodes.");
        }

        var lab = new NetnsLab(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)), options);
        s_live[lab] = 0;
        try
        {
            await lab.BuildAsync(cancellationToken).ConfigureAwait(false);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A node by 1-based number.</summary>
    public LabNode Node(int number) => Nodes[number - 1];

    private async Task BuildAsync(CancellationToken ct)
    {
        var nodes = new List<LabNode>();
        for (int i = 1; i <= Options.Nodes; i++)
        {
            nodes.Add(MakeNode($"n{i}", i, 10 + i));
        }

        var client = MakeNode("client", 0xfe, 2);
        await AddNamespaceAsync(Switch, ct).ConfigureAwait(false);
        // The switch is a plain L2 bridge: no IPv6 of its own, so captures hold only the nodes' traffic.
        await SysctlAsync(Switch, ct, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1").ConfigureAwait(false);
        foreach (var n in nodes.Append(client))
        {
            await AddNamespaceAsync(n.Namespace, ct).ConfigureAwait(false);
        }

        await IpAsync(ct, "-n", Switch, "link", "add", Bridge, "type", "bridge", "stp_state", "0", "mcast_snooping", "0").ConfigureAwait(false);
        await IpAsync(ct, "-n", Switch, "link", "set", Bridge, "up").ConfigureAwait(false);
        if (Options.ClientArpAccept)
        {
            await SysctlAsync(client.Namespace, ct, "net.ipv4.conf.all.arp_accept=1", "net.ipv4.conf.default.arp_accept=1").ConfigureAwait(false);
        }

        foreach (var n in nodes.Append(client))
        {
            await IpAsync(ct, "-n", Switch, "link", "add", n.SwitchPort, "type", "veth", "peer", "name", n.Interface, "netns", n.Namespace).ConfigureAwait(false);
            await IpAsync(ct, "-n", Switch, "link", "set", n.SwitchPort, "master", Bridge, "up").ConfigureAwait(false);
            await IpAsync(ct, "-n", n.Namespace, "link", "set", n.Interface, "address", n.Mac.ToString(), "up").ConfigureAwait(false);
            await IpAsync(ct, "-n", n.Namespace, "addr", "add", $"{n.IPv4}/24", "dev", n.Interface).ConfigureAwait(false);
            await IpAsync(ct, "-n", n.Namespace, "addr", "add", $"{n.IPv6}/64", "dev", n.Interface, "nodad").ConfigureAwait(false);
        }

        Nodes = nodes;
        Client = client;
    }

    private LabNode MakeNode(string name, int macLastByte, int hostPart) => new(
        name,
        $"vip-{Id}-{name}",
        "eth0",
        $"p-{name}",
        MacAddress.FromUInt64(0x0200_0000_0000UL | (uint)macLastByte),
        IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"{Options.IPv4Prefix}.{hostPart}")),
        IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"2001:db8::{hostPart}")));

    private async Task AddNamespaceAsync(string ns, CancellationToken ct)
    {
        await IpAsync(ct, "netns", "add", ns).ConfigureAwait(false);
        lock (_gate)
        {
            _namespaces.Add(ns);
        }

        await IpAsync(ct, "-n", ns, "link", "set", "lo", "up").ConfigureAwait(false);
        // No DAD anywhere in the lab: addresses (including link-locals) are usable at once.
        await SysctlAsync(ns, ct, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0").ConfigureAwait(false);
    }

    private Task SysctlAsync(string ns, CancellationToken ct, params string[] settings) =>
        ExecAsync(ns, ["sysctl", "-q", "-w", .. settings], ct).ContinueWith(t => t.Result.EnsureSuccess(), ct, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

    private static async Task IpAsync(CancellationToken ct, params string[] args) =>
        (await LabProcess.RunAsync("ip", args, cancellationToken: ct).ConfigureAwait(false)).EnsureSuccess();

    /// <summary>Runs <c>ip</c> with the given arguments (e.g. "-n", ns, "addr", "del", ...).</summary>
    public static Task<ProcessResult> IpRawAsync(CancellationToken ct, params string[] args) => LabProcess.RunAsync("ip", args, cancellationToken: ct);

    /// <summary>Runs a program inside a namespace (<c>ip netns exec</c>) and captures its output.</summary>
    public static Task<ProcessResult> ExecAsync(string ns, IReadOnlyList<string> command, TimeSpan? timeout, CancellationToken cancellationToken) =>
        LabProcess.RunAsync("ip", ["netns", "exec", ns, .. command], timeout, cancellationToken);

    /// <summary>Runs a program inside a node.</summary>
    public static Task<ProcessResult> ExecAsync(string ns, IReadOnlyList<string> command, CancellationToken cancellationToken = default) =>
        ExecAsync(ns, command, null, cancellationToken);

    /// <summary>Runs a program inside a node.</summary>
    public static Task<ProcessResult> ExecAsync(LabNode node, params string[] command) => ExecAsync(node.Namespace, command, null, default);

    /// <summary>
    /// Runs <paramref name="work"/> on a new thread that has entered the namespace (setns). Sockets created there
    /// stay in that namespace for their whole life, whichever thread uses them later.
    /// </summary>
    public static Task<T> RunInAsync<T>(string ns, Func<T> work)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                LabInterop.EnterNetworkNamespace(ns);
                tcs.SetResult(work());
            }
            catch (Exception ex)
            {
                tcs.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "netns " + ns,
        };
        thread.Start();
        return tcs.Task;
    }

    /// <summary>Runs <paramref name="work"/> inside a node's namespace on a dedicated thread.</summary>
    public static Task<T> RunInAsync<T>(LabNode node, Func<T> work) => RunInAsync(node.Namespace, work);

    /// <summary>Runs <paramref name="work"/> inside a namespace on a dedicated thread.</summary>
    public static Task RunInAsync(string ns, Action work) => RunInAsync<bool>(ns, () =>
    {
        work();
        return true;
    });

    /// <summary>Starts tcpdump on the switch bridge (or another interface/namespace) and waits until it listens.</summary>
    public async Task<PcapCapture> StartCaptureAsync(string filter = "", string? ns = null, string? iface = null, CancellationToken cancellationToken = default)
    {
        var capture = await PcapCapture.StartAsync(ns ?? Switch, iface ?? Bridge, filter, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _captures.Add(capture);
        }

        return capture;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Stops captures and deletes every namespace (deleting a namespace deletes its veths). Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        PcapCapture[] captures;
        string[] namespaces;
        lock (_gate)
        {
            captures = [.. _captures];
            namespaces = [.. _namespaces];
        }

        foreach (var c in captures)
        {
            c.Dispose();
        }

        foreach (var ns in namespaces)
        {
            LabProcess.Run("ip", "netns", "del", ns);
        }

        s_live.TryRemove(this, out _);
    }
}
