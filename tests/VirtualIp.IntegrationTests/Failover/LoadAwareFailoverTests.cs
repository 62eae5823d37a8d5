using System.Diagnostics;
using System.Globalization;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Failover;

/// <summary>
/// Load-aware floating end to end (issue 16, item 7): two Failover hosts in lab namespaces; node 1 (priority 150) tracks
/// the CPU pressure of its cgroup (<c>TrackLoad</c> source CpuPressure, scope Cgroup: the two nodes share one kernel, so
/// the machine's PSI would be the same for both; a cgroup v2 per node, as a container would have, is per node and
/// real). Node 1 runs in its own cgroup, where its workload, <c>stress-ng --cpu 3</c>, starts too; node 1 and stress-ng
/// are pinned to CPU 0, node 2 to CPU 1. The load moves the VIP to node 2 once; stress-ng switched on and off for 15 s
/// (every swing crosses both thresholds) moves nothing; the load gone, the VIP comes back once the hold time has passed.
/// Node 1 enters its namespace with <c>nsenter --net</c> (<c>ip netns exec</c> remounts /sys without the cgroup mounts).
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class LoadAwareFailoverTests
{
    private const int HoldSeconds = 20;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Node 1's settings: the load track on router 0 (the rest comes from the command line).</summary>
    private static string Settings(double high, double low) => string.Create(CultureInfo.InvariantCulture, $$"""
        { "VirtualIp": { "Routers": [ { "TrackLoad": [ { "Source": "CpuPressure", "Scope": "Cgroup", "High": {{high}}, "Low": {{low}},
          "Weight": -60, "SampleInterval": "1s", "Samples": 3, "HoldTime": "{{HoldSeconds}}s" } ] } ] } }
        """);

    [Fact]
    public async Task Stress_on_the_masters_cpu_moves_the_vip_to_the_idle_node_once_and_not_back_while_the_load_swings()
    {
        TestEnvironment.RequireRootAndTools("ip", "stress-ng", "taskset", "nsenter");
        TestEnvironment.Require(Environment.ProcessorCount >= 2, "needs two CPUs (node 1 and stress-ng on one, node 2 on the other)");
        string? cgroup2 = Cgroup2Mount();
        TestEnvironment.Require(cgroup2 is not null, "needs a cgroup v2 mount (/proc/self/mountinfo)");
        using var cgroup = new TestCgroup(cgroup2!);
        var spec = new ClusterSpec(3, IPv6: false, Unicast: false, TimeSpan.FromMilliseconds(100));
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 2 }, Ct);
        LabNode n1 = lab.Node(1), n2 = lab.Node(2);
        var converge = TimeSpan.FromSeconds(30); // dotnet start-up on a busy CI box
        var sw = Stopwatch.StartNew();
        // Measured on a 2-CPU machine whose PSI was 98 % busy with other builds: node 1's cgroup at 40-60 % idle (node 1
        // waits for CPU 0 like everything else), 85-100 % with stress-ng in it.
        using var loaded = FailoverDaemon.StartOurs(n1, spec.OurArgs(150, n2), Settings(high: 90, low: 75), hostMounts: true);
        using var idle = FailoverDaemon.StartOurs(n2, spec.OurArgs(100, n1));
        cgroup.Add(loaded.ProcessId);
        Pin(loaded.ProcessId, 0);
        Pin(idle.ProcessId, 1);
        await ClusterAssert.ConvergesAsync(n1, loaded, n2, idle, spec.Vip, converge, "n1 (150, idle) master");
        int loadedStates = loaded.States.Count;
        using var stress = new Stress(cgroup);
        try
        {
            stress.Start();
            var moved = await ClusterAssert.ConvergesAsync(n2, idle, n1, loaded, spec.Vip, TimeSpan.FromSeconds(15), "CPU 0 loaded: the VIP moves to n2");
            TestContext.Current.TestOutputHelper?.WriteLine($"stress-ng on CPU 0 → VIP on n2 after {moved.TotalSeconds:0.0} s");
            Assert.True(loaded.States.Count == loadedStates + 1, $"n1 went Master -> Backup more than once\n{ClusterAssert.Logs(loaded, idle)}");
            var swingStart = sw.Elapsed;

            // 15 s of load swinging: 1.2 s on, 0.8 s off (every 1 s sample after a quiet one has at least 1 s of load).
            int idleStates = idle.States.Count;
            loadedStates = loaded.States.Count;
            var swing = Stopwatch.StartNew();
            while (swing.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(1200, Ct);
                stress.Stop();
                await Task.Delay(800, Ct);
                stress.Start();
                Assert.True(await ClusterAssert.HoldsAsync(n2, spec.Vip) && !await ClusterAssert.HoldsAsync(n1, spec.Vip),
                    $"the VIP left n2 while the load swung\n{ClusterAssert.Logs(loaded, idle)}");
            }

            Assert.True(idle.States.Count == idleStates && loaded.States.Count == loadedStates,
                $"a state changed while the load swung\n{ClusterAssert.Logs(loaded, idle)}");
            stress.Stop();

            // Load gone: n1 takes the VIP back once the hold time since its change has passed (preempt), not sooner.
            await ClusterAssert.EventuallyAsync(async () => loaded.State == "Master" && await ClusterAssert.HoldsAsync(n1, spec.Vip),
                TimeSpan.FromSeconds(HoldSeconds + 15), "load gone: n1 master again after the hold time", loaded, idle);
            TestContext.Current.TestOutputHelper?.WriteLine($"load gone → VIP back on n1 {(sw.Elapsed - swingStart).TotalSeconds:0.0} s after the swings began");
            Assert.True(loaded.States.Count == loadedStates + 1, $"n1 came back through more than one transition\n{ClusterAssert.Logs(loaded, idle)}");
        }
        finally
        {
            stress.Stop();
        }
    }

    /// <summary>Pins every thread of <paramref name="pid"/> to <paramref name="cpu"/> (threads started later inherit it).</summary>
    private static void Pin(int pid, int cpu)
    {
        var r = LabProcess.Run(TestingTools.Resolve("taskset"), ["-a", "-c", "-p", cpu.ToString(CultureInfo.InvariantCulture), pid.ToString(CultureInfo.InvariantCulture)]);
        Assert.True(r.ExitCode == 0, $"taskset: {r.StdErr}");
    }

    private static string? Cgroup2Mount()
    {
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var f = line.Split(' ');
            int dash = Array.IndexOf(f, "-");
            if (dash >= 5 && dash + 1 < f.Length && f[dash + 1] == "cgroup2")
            {
                return f[4];
            }
        }

        return null;
    }

    /// <summary>A cgroup v2 of our own for node 1 and its workload; Dispose kills what is left in it (only processes this test started) and removes it.</summary>
    private sealed class TestCgroup : IDisposable
    {
        public TestCgroup(string mount)
        {
            Path = System.IO.Path.Combine(mount, $"vip-load-{Guid.NewGuid():N}"[..20]);
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public void Add(int pid) => File.WriteAllText(System.IO.Path.Combine(Path, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));

        public void Dispose()
        {
            string kill = System.IO.Path.Combine(Path, "cgroup.kill");
            for (int i = 0; i < 50; i++)
            {
                try
                {
                    if (File.Exists(kill) && File.ReadAllText(System.IO.Path.Combine(Path, "cgroup.procs")).Length > 0)
                    {
                        File.WriteAllText(kill, "1");
                    }

                    Directory.Delete(Path);
                    return;
                }
                catch (IOException)
                {
                    Thread.Sleep(100); // processes still exiting
                }
            }
        }
    }

    /// <summary><c>stress-ng --cpu 3</c> in node 1's cgroup, pinned to CPU 0, started and stopped by its process id (and its workers with it).</summary>
    private sealed class Stress(TestCgroup cgroup) : IDisposable
    {
        private Process? _process;

        public void Start()
        {
            // The shell joins the cgroup before it becomes stress-ng, so every worker is forked inside it.
            var psi = new ProcessStartInfo(TestingTools.Resolve("sh")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            string command = $"echo $$ > '{cgroup.Path}/cgroup.procs' && exec '{TestingTools.Resolve("taskset")}' -c 0 '{TestingTools.Resolve("stress-ng")}' --cpu 3 --timeout 120s --quiet";
            foreach (var a in (string[])["-c", command])
            {
                psi.ArgumentList.Add(a);
            }

            _process = Process.Start(psi)!;
        }

        public void Stop()
        {
            if (_process is { } p)
            {
                _process = null;
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                    p.WaitForExit(5000);
                }

                p.Dispose();
            }
        }

        public void Dispose() => Stop();
    }
}
