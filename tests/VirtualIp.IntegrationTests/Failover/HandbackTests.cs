using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Failover;

/// <summary>
/// Make-before-break hand-back (issue 16, item 2): the old master (priority 150) comes back and preempts the backup
/// that holds the VIP; a client pinging the VIP every 5 ms loses no probe. The preempting router binds the VIP before
/// its first advert, so the node that lets go on hearing that advert never leaves the VIP unbound. Ten hand-backs per
/// address family, two of our Failover hosts.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed partial class HandbackTests
{
    private const int Runs = 10;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Preempting_master_returns_with_no_probe_lost_at_5_ms(bool ipv6)
    {
        TestEnvironment.RequireRootAndTools("ip", "ping");
        var spec = new ClusterSpec(3, ipv6, Unicast: false, TimeSpan.FromMilliseconds(100));
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 2 }, Ct);
        LabNode n1 = lab.Node(1), n2 = lab.Node(2);
        var converge = (3 * spec.MasterDown(100)) + TimeSpan.FromSeconds(30); // dotnet start-up on a busy CI box
        using var low = FailoverDaemon.StartOurs(n2, spec.OurArgs(100, n1));
        await ClusterAssert.EventuallyAsync(async () => low.State == "Master" && await ClusterAssert.HoldsAsync(n2, spec.Vip), converge, "n2 master", low);

        var lost = new List<int>();
        var highLogs = new List<string>();
        for (int run = 0; run < Runs; run++)
        {
            using var ping = Ping.Start(lab.Client, spec.Vip, ipv6);
            await Task.Delay(200, Ct); // a few answered probes from n2 first
            using (var high = FailoverDaemon.StartOurs(n1, spec.OurArgs(150, n2)))
            {
                try
                {
                    await ClusterAssert.ConvergesAsync(n1, high, n2, low, spec.Vip, converge, $"run {run}: n1 (150) preempts n2 (100)");
                    await Task.Delay(500, Ct); // the client's last probes before the hand-back come back too
                    var (sent, missing) = ping.Finish();
                    Assert.True(sent > 50, $"run {run}: only {sent} probes answered or lost");
                    lost.Add(missing);
                    TestContext.Current.TestOutputHelper?.WriteLine($"{spec}: run {run}: {sent} probes, {missing} lost");
                    if (missing > 0)
                    {
                        highLogs.Add($"run {run} ({missing} lost): {ClusterAssert.Logs(high)}");
                    }
                }
                finally
                {
                    // n1 leaves (priority 0): n2 takes the VIP back for the next run.
                    Assert.True(high.Stop(TimeSpan.FromSeconds(15)), $"{high.Name} did not exit on SIGTERM");
                }
            }

            await ClusterAssert.EventuallyAsync(async () => low.State == "Master" && await ClusterAssert.HoldsAsync(n2, spec.Vip), converge, "n2 master again", low);
        }

        // Strict: 0 lost in every hand-back. Under load (CI, stress-ng) hand-backs lost 1-28 probes while the
        // preempting router advertised before its announcement: the advert timer or its reply to the old master's
        // lower-priority advert fired while the bind was still running (70-260 ms under load). Those adverts now wait
        // for the announcement (VrrpRouter.Handover); docs/benchmarks.md has the captures and the loaded runs.
        bool ok = lost.All(l => l == 0);
        Assert.True(ok, $"{spec}: probes lost per hand-back: {string.Join(", ", lost)}\n{ClusterAssert.Logs(low)}\n{string.Join('\n', highLogs)}");
    }

    /// <summary><c>ping -i 0.005</c> from the client until <see cref="Finish"/> (SIGINT: ping prints its summary).</summary>
    private sealed partial class Ping : IDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _output;

        private Ping(Process process)
        {
            _process = process;
            _output = process.StandardOutput.ReadToEndAsync();
        }

        public static Ping Start(LabNode client, string vip, bool ipv6)
        {
            var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in (string[])["netns", "exec", client.Namespace, "ping", ipv6 ? "-6" : "-4", "-n", "-i", "0.005", "-w", "120", vip])
            {
                psi.ArgumentList.Add(a);
            }

            return new Ping(Process.Start(psi)!);
        }

        /// <summary>
        /// Stops ping and counts, between the first and the last answered probe, the probes never answered (gaps in
        /// icmp_seq): probes still in flight when ping is stopped are not losses.
        /// </summary>
        public (int Sent, int Lost) Finish()
        {
            LabInterop.Kill(_process.Id, LabInterop.SIGINT);
            Assert.True(_process.WaitForExit(TimeSpan.FromSeconds(10)), "ping did not stop on SIGINT");
            var output = _output.GetAwaiter().GetResult();
            var answered = Reply().Matches(output).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToHashSet();
            Assert.True(answered.Count > 0, $"ping output: {output}");
            int first = answered.Min(), last = answered.Max();
            return (last - first + 1, Enumerable.Range(first, last - first + 1).Count(seq => !answered.Contains(seq)));
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }

            _process.Dispose();
        }

        [GeneratedRegex(@"icmp_seq=(\d+) ")]
        private static partial Regex Reply();
    }
}
