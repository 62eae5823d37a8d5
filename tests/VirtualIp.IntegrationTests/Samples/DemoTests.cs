using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using VirtualIp.IntegrationTests.Failover;

namespace VirtualIp.IntegrationTests.Samples;

/// <summary>samples/VirtualIp.Demo in simulated mode, as a user runs it: exit 0 and an outage within the protocol's bounds.</summary>
public sealed partial class DemoTests
{
    [GeneratedRegex(@"^outage (\d+) ms \(Master_Down_Interval (\d+) ms\)$", RegexOptions.Multiline)]
    private static partial Regex OutageLine();

    [Fact]
    public async Task Simulated_demo_exits_0_and_reports_an_outage_within_Master_Down_Interval()
    {
        string dll = typeof(DemoTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "DemoSampleDll").Value!;
        Assert.True(File.Exists(dll), $"samples/VirtualIp.Demo was not built at '{dll}' (it builds with this test project)");
        var psi = new ProcessStartInfo(FailoverSample.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--simulated");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(120));
            try
            {
                await p.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true); // our own child, by its handle
                throw;
            }
        }

        string output = await stdout + await stderr;
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}\n{output}");
        var m = OutageLine().Match(output);
        Assert.True(m.Success, $"no 'outage N ms (Master_Down_Interval M ms)' line\n{output}");
        int outage = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        int masterDown = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);

        // The demo's backup (priority 120, 100 ms adverts) has Master_Down_Interval = 3 x 100 + 136/256 x 100 = 353 ms,
        // counted from the last advert it heard: the kill lands up to one advert interval after it, so the client's
        // outage is at least Master_Down_Interval - 100 ms (less 20 ms of probe granularity), and at most
        // Master_Down_Interval plus a stated 250 ms (VIP bind, gratuitous ARP, the client's next probe, a busy machine).
        Assert.Equal(353, masterDown);
        Assert.InRange(outage, masterDown - 100 - 20, masterDown + 250);
    }
}
