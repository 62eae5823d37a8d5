using System.Diagnostics;
using System.Globalization;
using System.Net;
using VirtualIp.IntegrationTests.Lab;

namespace VirtualIp.IntegrationTests.Failover;

/// <summary>How a two-node cluster is configured (the same for both implementations).</summary>
/// <param name="Version">VRRP version 2 or 3.</param>
/// <param name="IPv6">IPv6 VIP (2001:db8::100/64) instead of 192.0.2.100/24.</param>
/// <param name="Unicast">Unicast peers (each node names the other) instead of multicast.</param>
/// <param name="Interval">Advertisement interval (VRRPv2: whole seconds).</param>
internal sealed record ClusterSpec(int Version, bool IPv6, bool Unicast, TimeSpan Interval)
{
    public const int Vrid = 51;

    public string Vip => IPv6 ? "2001:db8::100" : "192.0.2.100";

    public string VipCidr => IPv6 ? "2001:db8::100/64" : "192.0.2.100/24";

    /// <summary>RFC 5798 Master_Down_Interval for a backup of <paramref name="priority"/>.</summary>
    public TimeSpan MasterDown(int priority) => 3 * Interval + (256 - priority) * Interval / 256;

    /// <summary>Our command line for a node (the interface is added by <see cref="FailoverDaemon"/>).</summary>
    public List<string> OurArgs(int priority, LabNode peer, params string[] extra)
    {
        var args = new List<string>
        {
            "--vrid", Vrid.ToString(CultureInfo.InvariantCulture), "--priority", priority.ToString(CultureInfo.InvariantCulture),
            "--vip", VipCidr, "--vrrp-version", Version.ToString(CultureInfo.InvariantCulture),
            "--advert-interval", Interval.TotalMilliseconds % 1000 == 0 ? $"{Interval.TotalSeconds:0}s" : $"{Interval.TotalMilliseconds:0}ms",
            "--name", $"VI_{Vrid}",
        };
        if (Unicast)
        {
            args.AddRange(["--unicast-peer", (IPv6 ? peer.IPv6 : peer.IPv4).ToString()]);
        }

        args.AddRange(extra);
        return args;
    }

    /// <summary>keepalived's equivalent configuration for a node.</summary>
    public string KeepalivedConfig(int priority, LabNode self, LabNode peer) => string.Create(CultureInfo.InvariantCulture, $$"""
        global_defs {
          router_id failover-{{self.Name}}
          vrrp_version {{Version}}
        }
        vrrp_instance VI_{{Vrid}} {
          state BACKUP
          interface {{self.Interface}}
          virtual_router_id {{Vrid}}
          priority {{priority}}
          advert_int {{Interval.TotalSeconds}}
        {{(Unicast ? $"  unicast_src_ip {(IPv6 ? self.IPv6 : self.IPv4)}\n  unicast_peer {{\n    {(IPv6 ? peer.IPv6 : peer.IPv4)}\n  }}" : "")}}
          virtual_ipaddress {
            {{VipCidr}}
          }
        }
        """);

    public override string ToString() => $"VRRPv{Version} {(IPv6 ? "IPv6" : "IPv4")} {(Unicast ? "unicast" : "multicast")} {Interval.TotalMilliseconds} ms";
}

/// <summary>Polling helpers with deadlines: the lab's ground truth is <c>ip addr</c> plus the daemons' own state lines.</summary>
internal static class ClusterAssert
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>True when <paramref name="vip"/> is on the node's interface (<c>ip -n NS -o addr show dev eth0</c>).</summary>
    public static async Task<bool> HoldsAsync(LabNode node, string vip)
    {
        var r = (await NetnsLab.IpRawAsync(Ct, "-n", node.Namespace, "-o", "addr", "show", "dev", node.Interface)).EnsureSuccess();
        return r.StdOut.Contains($" {vip}/", StringComparison.Ordinal);
    }

    /// <summary>The machine's current noise: the slowest of five <c>ip addr show</c> round trips into the node.</summary>
    public static async Task<TimeSpan> MachineNoiseAsync(LabNode node)
    {
        var worst = TimeSpan.Zero;
        for (int i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            await HoldsAsync(node, "0.0.0.0");
            worst = sw.Elapsed > worst ? sw.Elapsed : worst;
        }

        return worst;
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms until true; fails with <paramref name="what"/> and the logs at the deadline.</summary>
    public static async Task<TimeSpan> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, params FailoverDaemon?[] daemons)
    {
        var sw = Stopwatch.StartNew();
        while (!await condition())
        {
            if (sw.Elapsed > timeout)
            {
                Assert.Fail($"{what}: not reached within {timeout.TotalSeconds:0.#} s\n{Logs(daemons)}");
            }

            await Task.Delay(50, Ct);
        }

        return sw.Elapsed;
    }

    /// <summary>Waits until <paramref name="master"/> holds the VIP and reports Master while <paramref name="backup"/> reports Backup and does not hold it.</summary>
    public static Task<TimeSpan> ConvergesAsync(LabNode masterNode, FailoverDaemon master, LabNode backupNode, FailoverDaemon backup, string vip, TimeSpan timeout, string what) =>
        EventuallyAsync(
            async () => master.State == "Master" && backup.State == "Backup" && await HoldsAsync(masterNode, vip) && !await HoldsAsync(backupNode, vip),
            timeout, what, master, backup);

    /// <summary>
    /// For <paramref name="window"/>, every ~100 ms: exactly one master (by both logs and by who holds the VIP), the
    /// expected one, and no new state change on either daemon (no flapping).
    /// </summary>
    public static async Task StaysSingleMasterAsync(LabNode masterNode, FailoverDaemon master, LabNode backupNode, FailoverDaemon backup, string vip, TimeSpan window)
    {
        int masterChanges = master.States.Count, backupChanges = backup.States.Count;
        var sw = Stopwatch.StartNew();
        int samples = 0;
        while (sw.Elapsed < window || samples < 5)
        {
            bool m = await HoldsAsync(masterNode, vip), b = await HoldsAsync(backupNode, vip);
            Assert.True(m && !b && master.State == "Master" && backup.State == "Backup",
                $"expected one master ({master.Name}): VIP on master {m}, on backup {b}; states {master.State}/{backup.State}\n{Logs(master, backup)}");
            samples++;
            await Task.Delay(100, Ct);
        }

        Assert.True(master.States.Count == masterChanges && backup.States.Count == backupChanges,
            $"state changed during a stable window\n{Logs(master, backup)}");
    }

    public static string Logs(params FailoverDaemon?[] daemons) =>
        string.Join('\n', daemons.OfType<FailoverDaemon>().Select(d => $"--- {d.Name}:\n{Tail(d.Log)}"));

    private static string Tail(string log) => string.Join('\n', log.Split('\n').TakeLast(25));
}
