using System.Diagnostics;
using System.Globalization;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Failover;

/// <summary>
/// The keepalived.conf import, proven in the lab: two nodes with the same keepalived.conf (only the priority differs),
/// one runs keepalived with its file, the other runs samples/VirtualIp.Failover with
/// <c>import-keepalived</c>'s output of its own file. They must behave as two keepalived would: the higher priority
/// is master and holds the VIP, the other is backup; kill the master and the backup takes over.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class KeepalivedImportRoundTripTests
{
    private const string Vip = "192.0.2.100";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A node's keepalived.conf: VRRPv2 (keepalived's default), PASS authentication, a tracked script, GARP knobs.</summary>
    internal static string Config(LabNode node, int priority) => string.Create(CultureInfo.InvariantCulture, $$"""
        ! keepalived.conf of {{node.Name}}
        vrrp_script chk_alive {
            script "/bin/true"
            interval 1
            weight 10
        }

        vrrp_instance VI_51 {
            state BACKUP
            interface {{node.Interface}}
            virtual_router_id 51
            priority {{priority}}
            advert_int 1
            garp_master_delay 1
            authentication {
                auth_type PASS
                auth_pass rt51pass
            }
            track_script {
                chk_alive
            }
            virtual_ipaddress {
                {{Vip}}/24 dev {{node.Interface}}
            }
        }
        """);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Imported_node_and_keepalived_elect_and_fail_over_like_two_keepalived(bool keepalivedIsMaster)
    {
        TestEnvironment.RequireRootAndTools("ip", "keepalived");
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 2 }, Ct);
        LabNode a = lab.Node(1), b = lab.Node(2);
        (int pa, int pb) = keepalivedIsMaster ? (150, 100) : (100, 150);

        string json = Import(Config(b, pb));
        var keepalived = FailoverDaemon.StartKeepalived(a, Config(a, pa));
        var ours = FailoverDaemon.StartOurs(b, [], json);
        try
        {
            var (master, masterNode, backup, backupNode) = keepalivedIsMaster ? (keepalived, a, ours, b) : (ours, b, keepalived, a);
            var masterDown = TimeSpan.FromSeconds(3) + TimeSpan.FromSeconds((256 - 110) / 256.0);

            await ClusterAssert.ConvergesAsync(masterNode, master, backupNode, backup, Vip, TimeSpan.FromSeconds(40),
                $"{master.Name} (priority {Math.Max(pa, pb)} + 10) master, {backup.Name} backup");
            await ClusterAssert.StaysSingleMasterAsync(masterNode, master, backupNode, backup, Vip, TimeSpan.FromSeconds(2));

            // Kill the master (SIGKILL: no priority-0 advert): the backup takes over after Master_Down_Interval.
            var killed = Stopwatch.StartNew();
            master.Dispose();
            await ClusterAssert.EventuallyAsync(
                async () => backup.State == "Master" && await ClusterAssert.HoldsAsync(backupNode, Vip),
                masterDown + TimeSpan.FromSeconds(10), $"{backup.Name} takes over from the killed {master.Name}", backup);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{master.Name} killed → {backup.Name} master with the VIP after {killed.ElapsedMilliseconds} ms (Master_Down_Interval {masterDown.TotalMilliseconds:0} ms)");
        }
        finally
        {
            keepalived.Dispose();
            ours.Dispose();
        }
    }

    /// <summary>Runs <c>VirtualIp.Failover import-keepalived</c> on <paramref name="config"/>; everything must map (exit 0).</summary>
    private static string Import(string config)
    {
        var dir = Directory.CreateTempSubdirectory("vip-import-");
        try
        {
            string conf = Path.Combine(dir.FullName, "keepalived.conf");
            File.WriteAllText(conf, config);
            var psi = new ProcessStartInfo(FailoverSample.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { FailoverSample.Dll, "import-keepalived", conf })
            {
                psi.ArgumentList.Add(arg);
            }

            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync(Ct);
            string stderr = p.StandardError.ReadToEnd();
            Assert.True(p.WaitForExit(60_000), "import-keepalived did not exit");
            Assert.True(p.ExitCode == 0, $"import-keepalived exited {p.ExitCode}:\n{stderr}");
            string json = stdout.Result;
            Assert.Contains("\"AuthPassword\": \"rt51pass\"", json, StringComparison.Ordinal);
            Assert.Contains("\"Check\": \"chk_alive\"", json, StringComparison.Ordinal);
            return json;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
