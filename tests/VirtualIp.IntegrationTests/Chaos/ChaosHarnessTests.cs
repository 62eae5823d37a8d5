using System.Diagnostics;
using System.Reflection;
using VirtualIp.IntegrationTests.Failover;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Chaos;

/// <summary>
/// A short seeded run of the chaos harness (eng/chaos/VirtualIp.Chaos, docs/chaos.md) in the default suite: three of
/// our routers in a namespace lab, a few faults drawn from a fixed seed, every invariant checked continuously and after
/// each fault heals; exit 0 means no violation and nothing leaked (namespaces, processes). The long runs (200 faults
/// per cluster kind) are eng/chaos/run.sh.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class ChaosHarnessTests
{
    [Fact]
    public async Task Short_seeded_chaos_run_of_three_of_our_routers_breaks_no_invariant_and_leaks_nothing()
    {
        TestEnvironment.RequireRootAndTools("ip", "nft", "tcpdump", "stress-ng");
        await RunAsync("ct", 8, "--seed", ChaosSeed, "--kind", "ours");
    }

    /// <summary>
    /// Clock steps against the HMAC time window (docs/chaos.md "Clock steps"): three of our routers signing their adverts
    /// (auth_hmac, time anti-replay, window 5 s), one node's wall clock stepped through libfaketime. A step inside the
    /// window must cost nothing; one beyond it cuts the node off until its clock is back, and the cluster must settle then.
    /// </summary>
    [Fact]
    public async Task Clock_steps_against_the_HMAC_time_window_break_no_invariant()
    {
        TestEnvironment.RequireRootAndTools("ip", "nft", "tcpdump", "stress-ng", "faketime");
        await RunAsync("cc", 6, "--seed", ClockStepSeed, "--kind", "ours", "--auth", "hmac", "--only", "clock-step");
    }

    /// <summary>Runs the harness; <paramref name="lab"/> (two letters) keeps each test's namespaces apart.</summary>
    private static async Task RunAsync(string lab, int faults, params string[] args)
    {
        string dll = typeof(ChaosHarnessTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "ChaosHarnessDll").Value!;
        Assert.True(File.Exists(dll), $"eng/chaos/VirtualIp.Chaos was not built at '{dll}' (it builds with this test project)");
        var outDir = Directory.CreateTempSubdirectory("vip-chaos-test-").FullName;
        string labId = lab + Convert.ToHexStringLower(BitConverter.GetBytes(Environment.ProcessId))[..4];
        var psi = new ProcessStartInfo(FailoverSample.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string count = faults.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var a in new[] { dll, "--faults", count, "--out", outDir, "--lab-id", labId, "--failover-dll", FailoverSample.Dll }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(240));
            try
            {
                await p.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit(); // it cleans up on SIGTERM
                await p.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
                throw;
            }
        }

        string output = await stdout + await stderr;
        TestContext.Current.TestOutputHelper?.WriteLine(output);
        Assert.True(p.ExitCode == 0, $"chaos run exited {p.ExitCode} (1 = invariant violated; logs and pcap in {outDir})\n{output}");
        Assert.Contains($"{count} faults in", output, StringComparison.Ordinal);
        Assert.Contains("0 violation(s)", output, StringComparison.Ordinal);
        Assert.DoesNotContain($"vip-{labId}-", Shell("ip", "netns", "list"), StringComparison.Ordinal); // no namespace leaked
        Directory.Delete(outDir, recursive: true);
    }

    /// <summary>The seed of the default-suite run: its 8 faults cover kill, freeze, link, partition and advert loss (docs/chaos.md).</summary>
    private const string ChaosSeed = "7";

    /// <summary>The seed of the clock-step run: steps inside and beyond the window, of the master and of backups (docs/chaos.md).</summary>
    private const string ClockStepSeed = "11";

    private static string Shell(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(TestingTools.Resolve(program)) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }
}
