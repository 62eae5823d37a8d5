using System.Diagnostics;
using System.Net;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Balancing;

/// <summary>
/// Two forwarder nodes (samples/VirtualIp.LoadBalancer --vip) share a floating VIP with VRRP in front of two echo
/// backend nodes; the client reaches the backends at VIP:PORT, the master node dies, and the client reconnects through
/// the backup. Everything lives in a namespace lab on 192.0.2.0/24.
/// </summary>
[Collection(VirtualIp.IntegrationTests.Failover.FailoverCollection.Name)]
public sealed class LoadBalancerFailoverTests(ITestOutputHelper output)
{
    private const string Vip = "192.0.2.100";
    private const int Port = 8080;
    private const int BackendPort = 9000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Client_reaches_the_backends_through_the_backup_after_the_master_forwarder_node_dies()
    {
        TestEnvironment.RequireRootAndTools("ip", "dotnet");
        string sample = LabSampleProcess.Locate("LoadBalancerSampleDll");
        var vrid = (51 + Random.Shared.Next(0, 150)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 4 }, Ct);
        var daemons = new List<LabSampleProcess>();
        try
        {
            var b1 = lab.Node(3);
            var b2 = lab.Node(4);
            daemons.Add(LabSampleProcess.Start("backend1", b1.Namespace, sample, "--echo", $"{b1.IPv4}:{BackendPort}"));
            daemons.Add(LabSampleProcess.Start("backend2", b2.Namespace, sample, "--echo", $"{b2.IPv4}:{BackendPort}"));
            string backends = $"{b1.IPv4}:{BackendPort},{b2.IPv4}:{BackendPort}";
            LabSampleProcess Forwarder(string name, LabNode node, int priority) => LabSampleProcess.Start(name, node.Namespace, sample,
                "--listen", $"0.0.0.0:{Port}", "--backends", backends, "--scheduler", "round-robin", "--check-interval", "0.5",
                "--drain-timeout", "0", "--vip", $"{Vip}/24", "--interface", node.Interface, "--vrid", vrid,
                "--priority", priority.ToString(System.Globalization.CultureInfo.InvariantCulture), "--advert-interval", "0.3");
            var master = Forwarder("lb1", lab.Node(1), 200);
            daemons.Add(master);
            var backup = Forwarder("lb2", lab.Node(2), 100);
            daemons.Add(backup);

            // Either node may win the first election (process start order varies); lb1 has the higher priority and
            // preempts, so wait for the settled state: lb1 master, lb2 backup.
            var sw = Stopwatch.StartNew();
            await PollAsync(() => Task.FromResult(IsMaster(master.Output) && !IsMaster(backup.Output)), TimeSpan.FromSeconds(40), "lb1 is master and lb2 backup");
            await PollAsync(() => EchoThroughVipAsync(lab), TimeSpan.FromSeconds(20), "the client reaches a backend at VIP:PORT through the master");
            output.WriteLine($"first echo through the VIP after {sw.Elapsed.TotalSeconds:F1} s");

            // The next connection (round robin: the other backend) works too.
            Assert.True(await EchoThroughVipAsync(lab));

            // The master node dies: its process is killed and its link goes down (the VIP goes with it).
            sw.Restart();
            master.Kill();
            (await NetnsLab.ExecAsync(lab.Node(1), "ip", "link", "set", lab.Node(1).Interface, "down")).EnsureSuccess();
            // Bound: Master_Down_Interval of lb2 (3 x 0.3 s + 156/256 x 0.3 s = 1.08 s), plus one echo attempt that
            // may have started just before the takeover (its connect waits up to 2 s), plus the 200 ms poll period,
            // plus a stated 1 s for the killed process, the link change and a loaded 2-core machine.
            var bound = TimeSpan.FromSeconds((3 * 0.3) + (156.0 / 256 * 0.3) + 2 + 0.2 + 1);
            await PollAsync(() => EchoThroughVipAsync(lab), bound, "the client reaches a backend at VIP:PORT through the backup");
            output.WriteLine($"echo through the backup after {sw.Elapsed.TotalSeconds:F1} s (bound {bound.TotalSeconds:F1} s)");
            Assert.True(IsMaster(backup.Output), "lb2 reports Master");
            for (int i = 0; i < 4; i++)
            {
                Assert.True(await EchoThroughVipAsync(lab), "every new connection reaches a backend through the backup");
            }
        }
        finally
        {
            foreach (var d in daemons)
            {
                await d.DisposeAsync();
                output.WriteLine($"--- {d.Name} ---\n{d.Output}");
            }
        }
    }

    /// <summary>True when the node's last reported VRRP state is Master (the sample prints "vrrp lb OLD -> NEW (reason)").</summary>
    private static bool IsMaster(string output) =>
        output.LastIndexOf("-> Master", StringComparison.Ordinal) > Math.Max(
            output.LastIndexOf("-> Backup", StringComparison.Ordinal), output.LastIndexOf("-> Fault", StringComparison.Ordinal));

    /// <summary>One connection from the client namespace to VIP:PORT; true when "ping N" comes back.</summary>
    private static Task<bool> EchoThroughVipAsync(NetnsLab lab) =>
        NetnsLab.RunInAsync(lab.Client, () => EchoLoad.EchoOnce(new IPEndPoint(IPAddress.Parse(Vip), Port), timeoutMs: 2000));

    private static async Task PollAsync(Func<Task<bool>> condition, TimeSpan limit, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < limit)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(200, Ct);
        }

        Assert.Fail($"timed out after {limit.TotalSeconds:F0} s waiting until {what}");
    }
}
