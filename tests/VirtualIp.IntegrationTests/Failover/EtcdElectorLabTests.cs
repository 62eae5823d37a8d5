using System.Diagnostics;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Failover;

/// <summary>
/// Two Failover hosts with <c>--elector etcd --lease-ttl 2s</c> in lab namespaces n1, n2, and one etcd in n3 on the same
/// segment. Bounds from the lease: a killed owner's key expires at most TTL after its last keep-alive and the other polls
/// every 200 ms: it binds within TTL + 1 s. An owner cut off from etcd (blackhole route to etcd only) unbinds by
/// TTL - 250 ms after its last confirmed keep-alive, before etcd can expire its key: `ip monitor address` in both namespaces
/// shows the owner's delete before the other's add, and `ip addr` polled on both (every 10 ms plus the cost of spawning
/// `ip`) never shows two owners.
/// </summary>
public sealed class EtcdElectorLabTests
{
    private const string Vip = "192.0.2.100";
    private const int Ttl = 2;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<bool> HoldsAsync(LabNode node) =>
        (await NetnsLab.ExecAsync(node.Namespace, ["ip", "-br", "-4", "addr", "show", "dev", node.Interface], Ct)).StdOut.Contains(Vip + "/", StringComparison.Ordinal);

    private static async Task<TimeSpan> WaitAsync(Func<Task<bool>> condition, TimeSpan limit, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(sw.Elapsed < limit, $"{what} did not happen within {limit}");
            await Task.Delay(10, Ct);
        }

        return sw.Elapsed;
    }

    private static Process StartEtcd(LabNode node, string dataDir, string binary)
    {
        var url = $"http://{node.IPv4}:2379";
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", node.Namespace, binary, "--name", "lab", "--data-dir", dataDir, "--listen-client-urls", url, "--advertise-client-urls", url,
            "--listen-peer-urls", $"http://{node.IPv4}:2380", "--initial-advertise-peer-urls", $"http://{node.IPv4}:2380", "--initial-cluster", $"lab=http://{node.IPv4}:2380", "--log-level", "error" })
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi)!; // ip netns exec execs etcd: this PID is etcd's
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    // `ip monitor address` in a namespace: every add/delete of the VIP, stamped on arrival (event-driven, no sampling gap).
    private static Process Monitor(LabNode node, List<(long At, string Node, bool Added)> log)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-n", node.Namespace, "monitor", "address" })
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } l && l.Contains($" {Vip}/", StringComparison.Ordinal))
            {
                lock (log)
                {
                    log.Add((Stopwatch.GetTimestamp(), node.Name, !l.StartsWith("Deleted", StringComparison.Ordinal)));
                }
            }
        };
        p.BeginOutputReadLine();
        return p;
    }

    private static List<string> Args(LabNode self, string etcdUrl) =>
        ["--elector", "etcd", "--etcd-endpoints", etcdUrl, "--lease-ttl", $"{Ttl}s", "--vip", Vip + "/24", "--node-id", self.Name];

    [Fact]
    public async Task Kill_the_holder_and_the_other_binds_within_ttl_plus_1s_cut_it_off_from_etcd_and_it_lets_go_first()
    {
        TestEnvironment.RequireRootAndTools("ip");
        var etcdBinary = TestEnvironment.FindOnPath("etcd") ?? (File.Exists("/usr/bin/etcd") ? "/usr/bin/etcd" : null);
        TestEnvironment.Require(etcdBinary is not null, "needs etcd (apt-get install etcd-server)");
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 4 }, Ct);
        var (n1, n2, n3, db) = (lab.Node(1), lab.Node(2), lab.Node(3), lab.Node(4));
        var data = Directory.CreateTempSubdirectory("vip-lab-etcd-");
        using var etcd = StartEtcd(db, data.FullName, etcdBinary!);
        var url = $"http://{db.IPv4}:2379";
        try
        {
            await WaitAsync(async () => (await NetnsLab.ExecAsync(n1.Namespace, ["bash", "-c", $"exec 3<>/dev/tcp/{db.IPv4}/2379"], Ct)).ExitCode == 0,
                TimeSpan.FromSeconds(20), "etcd reachable from n1");

            // 1. kill -9 the holder: the other binds within TTL + 1 s.
            using (var a = FailoverDaemon.StartOurs(n1, Args(n1, url)))
            {
                await WaitAsync(() => HoldsAsync(n1), TimeSpan.FromSeconds(30), "n1 owning the VIP");
                using var b = FailoverDaemon.StartOurs(n2, Args(n2, url));
                await Task.Delay(2000, Ct);
                Assert.False(await HoldsAsync(n2), "n2 bound the VIP while n1 owned it");
                a.Dispose(); // SIGKILL
                var took = await WaitAsync(() => HoldsAsync(n2), TimeSpan.FromSeconds(Ttl + 1), "n2 binding after n1 was killed");
                TestContext.Current.TestOutputHelper?.WriteLine($"kill -9 of the holder: n2 bound the VIP {took.TotalMilliseconds:0} ms later");
                await NetnsLab.ExecAsync(n1.Namespace, ["ip", "addr", "del", Vip + "/24", "dev", n1.Interface], Ct); // what the killed host left

                // 2. n3 joins; cut the owner (n2) off from etcd only: it must let go before n3 binds.
                using var c = FailoverDaemon.StartOurs(n3, Args(n3, url));
                await Task.Delay(2000, Ct);
                var events = new List<(long At, string Node, bool Added)>();
                using var m2 = Monitor(n2, events);
                using var m3 = Monitor(n3, events);
                var stop = new CancellationTokenSource();
                int maxOwners = 0, samples = 0;
                var sampler = Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        var owners = await Task.WhenAll(HoldsAsync(n2), HoldsAsync(n3));
                        maxOwners = Math.Max(maxOwners, owners.Count(o => o));
                        samples++;
                        await Task.Delay(10, Ct);
                    }
                }, Ct);
                await Task.Delay(300, Ct);
                await NetnsLab.ExecAsync(n2.Namespace, ["ip", "route", "add", "blackhole", $"{db.IPv4}/32"], Ct);
                var cut = Stopwatch.StartNew();
                await WaitAsync(() => HoldsAsync(n3), TimeSpan.FromSeconds(Ttl + 2), "n3 binding after n2 was cut off from etcd");
                var bound = cut.Elapsed;
                await Task.Delay(300, Ct);
                await stop.CancelAsync();
                await sampler;
                Assert.False(await HoldsAsync(n2), "the cut-off owner still has the VIP");
                m2.Kill();
                m3.Kill();
                Assert.Equal(1, maxOwners);
                List<(long At, string Node, bool Added)> seen;
                lock (events)
                {
                    seen = [.. events.OrderBy(e => e.At)];
                }

                var dropped = seen.First(e => e.Node == n2.Name && !e.Added);
                var taken = seen.First(e => e.Node == n3.Name && e.Added);
                Assert.True(dropped.At < taken.At, "n3 bound the VIP before the cut-off n2 removed it");
                var gap = Stopwatch.GetElapsedTime(dropped.At, taken.At);
                TestContext.Current.TestOutputHelper?.WriteLine($"cut-off owner: n3 bound {bound.TotalMilliseconds:0} ms after the cut, {gap.TotalMilliseconds:0} ms after n2 removed it (ip monitor); " +
                    $"{samples} ip-addr samples, max owners {maxOwners}");
            }
        }
        finally
        {
            if (!etcd.HasExited)
            {
                etcd.Kill();
                etcd.WaitForExit(10_000);
            }

            data.Delete(recursive: true);
        }
    }
}
