using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using VirtualIp.Testing;
using Xunit;

namespace VirtualIp.IntegrationTests.Balancing;

/// <summary>
/// Issue #12 item 2 proof, real sockets on loopback: 10,000 idle client connections opened and held against the
/// LoadBalancer sample (a separate process, so its VmRSS is the forwarder's own) grow its RSS by less than 64 MiB,
/// and a well-behaved client keeps being served within its normal latency meanwhile. The idle clients come from
/// 127.0.0.2–127.0.0.11 (1,000 each: the default per-source limit) and send nothing (the first-byte timeout is raised
/// so they are held, not cut). Needs a descriptor limit of at least 10,500 (ulimit -n); skips otherwise.
/// </summary>
public sealed class TcpIdleFloodTests(ITestOutputHelper output)
{
    private const int Idle = 10_000;
    private const int Sources = 10;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ten_thousand_idle_connections_grow_the_forwarder_rss_by_less_than_64_MiB_and_a_good_client_is_still_served()
    {
        TestEnvironment.Require(OperatingSystem.IsLinux(), "needs Linux (/proc/PID/status)");
        TestEnvironment.Require(TestEnvironment.FindOnPath("dotnet") is not null, "needs 'dotnet' on PATH to run the sample");
        TestEnvironment.Require(OpenFileLimit() >= Idle + 500, $"needs ulimit -n >= {Idle + 500} (is {OpenFileLimit()}): the test holds {Idle} client sockets and the forwarder as many");
        string dll = typeof(TcpIdleFloodTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "LoadBalancerSampleDll").Value!;
        Assert.True(File.Exists(dll), $"samples/VirtualIp.LoadBalancer was not built at '{dll}'");

        using var echo = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        echo.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        echo.Listen(512);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var echoLoop = EchoLoopAsync(echo, stop.Token);
        int port = FreePort();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[dll, "--listen", $"127.0.0.1:{port}", "--backends", echo.LocalEndPoint!.ToString()!,
                     "--max-connections", "10100", "--first-byte-timeout", "120", "--drain-timeout", "0"])
        {
            psi.ArgumentList.Add(a);
        }

        using var proc = Process.Start(psi)!;
        proc.OutputDataReceived += (_, _) => { };
        proc.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.WriteLine(e.Data); } };
        proc.BeginOutputReadLine();
        proc.BeginErrorReadLine();
        var idle = new List<Socket>(Idle);
        try
        {
            var target = new IPEndPoint(IPAddress.Loopback, port);
            await WaitForPortAsync(target);
            var before = await RoundTripsAsync(target, 300); // also warms the forwarder up (JIT, pools)
            await Task.Delay(500, Ct);
            long rssBefore = VmRssKiB(proc.Id);

            var sw = Stopwatch.StartNew();
            var sem = new SemaphoreSlim(64);
            var opens = Enumerable.Range(0, Idle).Select(async i =>
            {
                await sem.WaitAsync(Ct);
                try
                {
                    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    s.Bind(new IPEndPoint(IPAddress.Parse($"127.0.0.{2 + (i % Sources)}"), 0));
                    await s.ConnectAsync(target, Ct);
                    lock (idle)
                    {
                        idle.Add(s);
                    }
                }
                finally
                {
                    sem.Release();
                }
            }).ToArray();
            await Task.WhenAll(opens);
            output.WriteLine($"{Idle} idle connections opened in {sw.Elapsed.TotalSeconds:F1} s");

            var during = await RoundTripsAsync(target, 300);
            await Task.Delay(1000, Ct);
            long rssAfter = VmRssKiB(proc.Id);
            int closed = idle.Count(s => s.Poll(0, SelectMode.SelectRead)); // readable = EOF or reset: the forwarder closed it
            output.WriteLine($"forwarder VmRSS {rssBefore / 1024.0:F1} MiB -> {rssAfter / 1024.0:F1} MiB (+{(rssAfter - rssBefore) / 1024.0:F1} MiB); " +
                             $"{closed} of {Idle} idle connections closed; good client median {Median(before):F0} us before, {Median(during):F0} us during");
            Assert.Equal(0, closed);
            Assert.InRange(rssAfter - rssBefore, long.MinValue, 64 * 1024);
            Assert.Equal(300, during.Count);
            Assert.True(Median(during) <= (4 * Median(before)) + 5_000, $"good client median {Median(during):F0} us during vs {Median(before):F0} us before");
        }
        finally
        {
            foreach (var s in idle)
            {
                s.Dispose();
            }

            if (!proc.HasExited)
            {
                proc.Kill(entireProcessTree: true);
                await proc.WaitForExitAsync(CancellationToken.None);
            }

            await stop.CancelAsync();
            echo.Dispose();
            await echoLoop;
        }
    }

    /// <summary>Connection per request (connect, 16-byte echo, close): the latency a well-behaved client sees, in µs.</summary>
    private static async Task<List<double>> RoundTripsAsync(IPEndPoint target, int count)
    {
        var list = new List<double>(count);
        var msg = new byte[16];
        var buf = new byte[16];
        for (int i = 0; i < count; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await s.ConnectAsync(target, Ct);
            await s.SendAsync(msg, SocketFlags.None, Ct);
            int got = 0;
            while (got < buf.Length)
            {
                int n = await s.ReceiveAsync(buf.AsMemory(got), SocketFlags.None, Ct);
                Assert.True(n > 0, "the forwarder closed a well-behaved client");
                got += n;
            }

            list.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
        }

        return list;
    }

    private static double Median(List<double> values)
    {
        var a = values.Order().ToArray();
        return a.Length == 0 ? double.NaN : a[a.Length / 2];
    }

    private static async Task EchoLoopAsync(Socket listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await listener.AcceptAsync(ct);
            }
            catch (Exception)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (s)
                {
                    var buf = new byte[4096];
                    try
                    {
                        int n;
                        while ((n = await s.ReceiveAsync(buf, SocketFlags.None, ct)) > 0)
                        {
                            await s.SendAsync(buf.AsMemory(0, n), SocketFlags.None, ct);
                        }
                    }
                    catch (Exception)
                    {
                    }
                }
            }, CancellationToken.None);
        }
    }

    private static async Task WaitForPortAsync(IPEndPoint ep)
    {
        for (int i = 0; i < 300; i++)
        {
            try
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await s.ConnectAsync(ep, Ct);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, Ct);
            }
        }

        Assert.Fail($"the forwarder did not listen on {ep} within 30 s");
    }

    private static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static long VmRssKiB(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private static long OpenFileLimit()
    {
        var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
    }
}
