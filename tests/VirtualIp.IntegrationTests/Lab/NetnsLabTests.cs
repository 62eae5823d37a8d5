using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Lab;

public class NetnsLabTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string[]> ListNamespacesAsync() =>
        (await LabProcess.RunAsync("ip", ["netns", "list"], cancellationToken: Ct)).EnsureSuccess().StdOut
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToArray();

    [Fact]
    public async Task Lab_BuildsConnectedNamespaces_AndDisposeRemovesThemAll()
    {
        TestEnvironment.RequireRootAndTools("ip", "ping");
        var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 3 }, Ct);
        string[] mine;
        try
        {
            Assert.Equal(5, lab.Namespaces.Count);
            Assert.All(lab.Namespaces, ns => Assert.True(ns.Length <= 32));
            Assert.All(lab.Nodes.Append(lab.Client), n => Assert.True(n.SwitchPort.Length <= 15));
            mine = [.. lab.Namespaces];
            Assert.Subset((await ListNamespacesAsync()).ToHashSet(), mine.ToHashSet());
            foreach (var n in lab.Nodes)
            {
                (await NetnsLab.ExecAsync(lab.Client, "ping", "-c", "1", "-W", "2", n.IPv4.ToString())).EnsureSuccess();
                (await NetnsLab.ExecAsync(lab.Client, "ping", "-c", "1", "-W", "2", n.IPv6.ToString())).EnsureSuccess();
            }

            var link = (await NetnsLab.ExecAsync(lab.Node(3), "ip", "link", "show", "eth0")).EnsureSuccess().StdOut;
            Assert.Contains("02:00:00:00:00:03", link);
        }
        finally
        {
            lab.Dispose();
        }

        lab.Dispose(); // idempotent
        await lab.DisposeAsync();
        Assert.Empty((await ListNamespacesAsync()).Intersect(mine));
    }


    [Fact]
    public async Task RunIn_ExecutesInsideTheNamespace()
    {
        TestEnvironment.RequireRootAndTools("ip");
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 1 }, Ct);
        // /proc/self/net/dev is per thread-namespace for the reading task: it lists eth0 only inside the node.
        string devs = await NetnsLab.RunInAsync(lab.Node(1), () => File.ReadAllText("/proc/thread-self/net/dev"));
        Assert.Contains("eth0", devs);
        string hostname = (await NetnsLab.ExecAsync(lab.Node(1), "cat", "/proc/net/dev")).EnsureSuccess().StdOut;
        Assert.Contains("eth0", hostname);
        await Assert.ThrowsAsync<InvalidOperationException>(() => NetnsLab.RunInAsync<int>(lab.Node(1), () => throw new InvalidOperationException("boom")));
    }

    [Fact]
    public async Task Capture_SeesTrafficOnTheSwitch()
    {
        TestEnvironment.RequireRootAndTools("ip", "tcpdump", "ping");
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 1 }, Ct);
        var capture = await lab.StartCaptureAsync("icmp", cancellationToken: Ct);
        (await NetnsLab.ExecAsync(lab.Client, "ping", "-c", "2", "-i", "0.2", "-W", "2", lab.Node(1).IPv4.ToString())).EnsureSuccess();
        var frames = await capture.StopAsync();
        Assert.True(frames.Count >= 4, $"expected 2 echo requests + 2 replies, got {frames.Count}");
        Assert.All(frames, f => Assert.Equal(0x0800, (f[12] << 8) | f[13]));
    }
}
