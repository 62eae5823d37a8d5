using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using VirtualIp.Leasing;
using VirtualIp.Pools;
using VirtualIp.Testing;

namespace VirtualIp.Tests.Leasing;

/// <summary>kill -9 of a process in the middle of allocating from the embedded store, then a restart on the same journal.</summary>
public sealed partial class JournalCrashTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vip-crash-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Kill_9_mid_allocation_then_restart_keeps_every_granted_lease_and_no_torn_state()
    {
        var journal = Path.Combine(_dir.FullName, "leases.journal");
        var printed = new Dictionary<string, string>(); // holder -> address, as the killed processes reported them
        for (int round = 0; round < 3; round++)
        {
            var lines = new List<string>();
            using (var child = Start("--store", "embedded", "--journal", journal, "--node", "n1", "--range", "10.0.0.0/16",
                "--count", "60000", "--parallel", "8", "--holder-prefix", $"r{round}-"))
            {
                child.OutputDataReceived += (_, e) =>
                {
                    if (e.Data is not null)
                    {
                        lock (lines)
                        {
                            lines.Add(e.Data);
                        }
                    }
                };
                child.BeginOutputReadLine();
                var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while (Count(lines) < 150 + (100 * round))
                {
                    Assert.True(DateTime.UtcNow < until && !child.HasExited, $"round {round}: the child granted {Count(lines)} leases in 60 s");
                    await Task.Delay(10, Ct);
                }

                child.Kill(); // SIGKILL: 8 acquisitions are in flight
                await child.WaitForExitAsync(Ct);
            }

            lock (lines)
            {
                foreach (var l in lines)
                {
                    if (Granted().Match(l) is { Success: true } m)
                    {
                        printed[m.Groups[1].Value] = m.Groups[2].Value;
                    }
                }
            }

            // Restart: the journal replays; every acknowledged grant is there, at most the in-flight ones more.
            await using var store = new JournalLeaseStore(journal);
            var leases = await store.ListAsync("pool", Ct);
            var byHolder = leases.ToDictionary(l => l.Holder, l => l.Address.ToString());
            Assert.All(printed, p => Assert.Equal(p.Value, byHolder.GetValueOrDefault(p.Key)));
            Assert.InRange(leases.Count, printed.Count, printed.Count + 8);
            Assert.Equal(leases.Count, leases.Select(l => l.Address).Distinct().Count());
            Assert.All(leases, l => Assert.Equal("n1", l.Node));

            // The pool on the replayed journal goes on from there: holders keep their address, new ones get free ones.
            await using var pool = new VipPool(new VipPoolOptions { Name = "pool", Ranges = { "10.0.0.0/16" } }, store, node: "n1");
            var some = printed.First();
            Assert.Equal(some.Value, (await pool.AcquireAsync(some.Key, Ct)).Vip.Address.ToString());
            var fresh = await pool.AcquireAsync($"after-round-{round}", Ct);
            Assert.DoesNotContain(fresh.Vip.Address.ToString(), byHolder.Values);
            printed[$"after-round-{round}"] = fresh.Vip.Address.ToString();
        }
    }

    private static int Count(List<string> lines)
    {
        lock (lines)
        {
            return lines.Count(l => l.StartsWith("granted ", StringComparison.Ordinal));
        }
    }

    private static Process Start(params string[] args)
    {
        var dll = typeof(JournalCrashTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "LeaseClientDll").Value!;
        Assert.True(File.Exists(dll), $"samples/VirtualIp.LeaseClient was not built at {dll} (it builds with this test project)");
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : TestEnvironment.FindOnPath("dotnet") ?? "/usr/share/dotnet/dotnet";
        var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return Process.Start(psi)!;
    }

    [GeneratedRegex(@"^granted (\S+) (\S+)$")]
    private static partial Regex Granted();
}
