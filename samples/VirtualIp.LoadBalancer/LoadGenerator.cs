using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VirtualIp.LoadBalancer;

/// <summary>
/// Loopback-only load generator against an echo service behind a proxy. Three bounded phases:
/// connection rate (connect, 16-byte echo, close), throughput (streaming echo), and request latency (64-byte
/// ping-pong on persistent connections). Prints one RESULT line.
/// </summary>
internal static class LoadGenerator
{
    private const int RateWorkers = 16;
    private const int MaxConnectionsPerRun = 20_000;
    private const int StreamConnections = 8;
    private const int PingConnections = 16;

    public static async Task<int> RunAsync(string targetText, string label, TimeSpan duration, string phases = "conn,bulk,rr")
    {
        if (!IPEndPoint.TryParse(targetText, out var target) || !IPAddress.IsLoopback(target.Address) || target.Port == 0)
        {
            Console.Error.WriteLine($"bench: target '{targetText}' must be a loopback ADDR:PORT (127.0.0.1:PORT)");
            return 2;
        }

        if (duration <= TimeSpan.Zero || duration > TimeSpan.FromSeconds(30))
        {
            Console.Error.WriteLine("bench: --duration must be 1 to 30 seconds");
            return 2;
        }

        // --phases picks the phases (eng/bench-forwarder.sh runs them one by one to read the proxy's CPU time per phase);
        // a phase not run prints nan. "rr" also prints rr_requests (the count, for CPU per request).
        var run = phases.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var (connPerSec, connP99) = run.Contains("conn") ? await ConnectionRateAsync(target, duration) : (double.NaN, double.NaN);
        double mbps = run.Contains("bulk") ? await ThroughputAsync(target, duration) : double.NaN;
        var (rps, p50, p99, requests) = run.Contains("rr") ? await PingPongAsync(target, duration) : (double.NaN, double.NaN, double.NaN, 0L);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"RESULT label={label} conn_per_s={connPerSec:F0} conn_p99_ms={connP99:F2} throughput_MiB_s={mbps:F0} rr_per_s={rps:F0} rr_p50_us={p50:F0} rr_p99_us={p99:F0} rr_requests={requests}"));
        return 0;
    }

    private static async Task<(double PerSecond, double P99Ms)> ConnectionRateAsync(IPEndPoint target, TimeSpan duration)
    {
        int started = 0;
        var payload = new byte[16];
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var samples = new List<long>[RateWorkers];
        long begin = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, RateWorkers).Select(w => Task.Run(async () =>
        {
            var mine = samples[w] = new List<long>(4096);
            var buf = new byte[16];
            while (Stopwatch.GetTimestamp() < deadline && Interlocked.Increment(ref started) <= MaxConnectionsPerRun)
            {
                long t0 = Stopwatch.GetTimestamp();
                try
                {
                    using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    await s.ConnectAsync(target);
                    await s.SendAsync(payload, SocketFlags.None);
                    int got = 0;
                    while (got < buf.Length)
                    {
                        int n = await s.ReceiveAsync(buf.AsMemory(got), SocketFlags.None);
                        if (n == 0)
                        {
                            break;
                        }

                        got += n;
                    }

                    if (got == buf.Length)
                    {
                        mine.Add(Stopwatch.GetTimestamp() - t0);
                    }
                }
                catch (SocketException)
                {
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        double elapsed = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        var all = samples.SelectMany(x => x).ToArray();
        return (all.Length / elapsed, Percentile(all, 0.99) * 1000.0 / Stopwatch.Frequency);
    }

    private static async Task<double> ThroughputAsync(IPEndPoint target, TimeSpan duration)
    {
        long received = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long begin = Stopwatch.GetTimestamp();
        var tasks = Enumerable.Range(0, StreamConnections).Select(_ => Task.Run(async () =>
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await s.ConnectAsync(target);
            var chunk = new byte[64 * 1024];
            Random.Shared.NextBytes(chunk);
            var send = Task.Run(async () =>
            {
                while (Stopwatch.GetTimestamp() < deadline)
                {
                    await s.SendAsync(chunk, SocketFlags.None);
                }

                s.Shutdown(SocketShutdown.Send);
            });
            var buf = new byte[256 * 1024];
            while (true)
            {
                int n = await s.ReceiveAsync(buf, SocketFlags.None);
                if (n == 0)
                {
                    break;
                }

                Interlocked.Add(ref received, n);
            }

            await send;
        })).ToArray();
        await Task.WhenAll(tasks);
        double elapsed = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        return received / elapsed / (1024 * 1024);
    }

    private static async Task<(double PerSecond, double P50Us, double P99Us, long Requests)> PingPongAsync(IPEndPoint target, TimeSpan duration)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var samples = new List<long>[PingConnections];
        long begin = Stopwatch.GetTimestamp();
        var tasks = Enumerable.Range(0, PingConnections).Select(w => Task.Run(async () =>
        {
            var mine = samples[w] = new List<long>(65536);
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await s.ConnectAsync(target);
            var msg = new byte[64];
            var buf = new byte[64];
            while (Stopwatch.GetTimestamp() < deadline)
            {
                long t0 = Stopwatch.GetTimestamp();
                await s.SendAsync(msg, SocketFlags.None);
                int got = 0;
                while (got < buf.Length)
                {
                    int n = await s.ReceiveAsync(buf.AsMemory(got), SocketFlags.None);
                    if (n == 0)
                    {
                        return;
                    }

                    got += n;
                }

                mine.Add(Stopwatch.GetTimestamp() - t0);
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        double elapsed = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        var all = samples.SelectMany(x => x).ToArray();
        double toUs = 1_000_000.0 / Stopwatch.Frequency;
        return (all.Length / elapsed, Percentile(all, 0.50) * toUs, Percentile(all, 0.99) * toUs, all.Length);
    }

    private static double Percentile(long[] values, double p)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }

        Array.Sort(values);
        return values[Math.Min(values.Length - 1, (int)Math.Ceiling(p * values.Length) - 1)];
    }
}
