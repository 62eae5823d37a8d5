using System.Diagnostics;
using System.Globalization;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Failover;

/// <summary>
/// <c>--realtime-priority</c> / <c>--lock-memory</c> of the Failover sample (keepalived's vrrp_rt_priority and
/// vrrp_no_swap): every thread of the running daemon under SCHED_RR at the priority asked for, its memory locked.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class RealtimeSchedulingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Policy (field 41) and rt_priority (field 40) of each thread, from /proc/PID/task/TID/stat.</summary>
    private static List<(string Thread, int Policy, int Priority)> ThreadPolicies(int pid)
    {
        var result = new List<(string, int, int)>();
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // fields[0] is field 3 (state)
                string comm = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                result.Add((comm, int.Parse(fields[41 - 3], CultureInfo.InvariantCulture), int.Parse(fields[40 - 3], CultureInfo.InvariantCulture)));
            }
            catch (IOException)
            {
                // the thread ended while we looked
            }
        }

        return result;
    }

    [Fact]
    public async Task Realtime_priority_puts_every_thread_of_the_daemon_under_SCHED_RR_and_locks_its_memory()
    {
        TestEnvironment.RequireRootAndTools("ip");
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 1 }, Ct);
        LabNode n1 = lab.Node(1);
        using var daemon = FailoverDaemon.StartOurs(n1,
            ["--vrid", "51", "--priority", "255", "--vip", "192.0.2.100/24", "--advert-interval", "100ms", "--realtime-priority", "7", "--lock-memory"]);
        await ClusterAssert.EventuallyAsync(() => Task.FromResult(daemon.State == "Master"), TimeSpan.FromSeconds(30), "the address owner becomes master", daemon);

        // Threads the runtime starts later with a priority of its own (the sockets engine, the timer thread) are set
        // again once the host has started and every 5 s after.
        await Task.Delay(TimeSpan.FromSeconds(6), Ct);
        var threads = ThreadPolicies(daemon.ProcessId);
        string all = string.Join(", ", threads.Select(t => $"{t.Thread}={t.Policy}/{t.Priority}"));
        Assert.True(threads.Count >= 3, $"expected the daemon's threads, saw {all}\n{daemon.Log}");
        Assert.True(threads.All(t => t.Policy == 2 && t.Priority == 7), $"every thread SCHED_RR (2) at 7: {all}"); // also those started after the option applied
        string status = await File.ReadAllTextAsync($"/proc/{daemon.ProcessId}/status", Ct);
        long locked = long.Parse(status.Split('\n').First(l => l.StartsWith("VmLck:", StringComparison.Ordinal)).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        Assert.True(locked > 0, $"VmLck {locked} kB: mlockall did not lock");
    }

    [Fact]
    public void A_priority_out_of_range_is_a_configuration_error_naming_the_key()
    {
        TestEnvironment.Require(OperatingSystem.IsLinux(), "needs Linux");
        var psi = new ProcessStartInfo(FailoverSample.DotnetHost) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { FailoverSample.Dll, "--interface", "lo", "--vrid", "51", "--vip", "192.0.2.100/24", "--realtime-priority", "100" })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        string stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(30_000));
        Assert.Equal(78, p.ExitCode);
        Assert.Contains("error: Failover:RealtimePriority = '100' is not a SCHED_RR priority 1..99", stderr, StringComparison.Ordinal);
    }
}
