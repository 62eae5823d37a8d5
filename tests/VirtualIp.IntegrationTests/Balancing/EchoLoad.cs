using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using VirtualIp.IntegrationTests.Lab;

namespace VirtualIp.IntegrationTests.Balancing;

/// <summary>
/// Client load for the lab: <c>workers</c> threads inside the client namespace, each connecting to one address over and
/// over (connect, "ping N", half-close, read the echo, close), every attempt recorded with its time on one stopwatch.
/// A connect gives up after 200 ms and a read after 500 ms (a client that retries rather than waiting out TCP's 1 s
/// initial SYN retransmission); a failed attempt is retried after 10 ms.
/// </summary>
internal sealed class EchoLoad : IAsyncDisposable
{
    /// <summary>A load connect gives up after this long.</summary>
    public const int ConnectTimeoutMs = 200;

    /// <summary>A load read gives up after this long.</summary>
    public const int ReadTimeoutMs = 500;

    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task[] _workers;
    private volatile bool _stop;

    private EchoLoad(LabNode client, IPEndPoint target, int workers)
    {
        _workers = [.. Enumerable.Range(0, workers).Select(w => NetnsLab.RunInAsync(client.Namespace, () => Run(w, target)))];
    }

    /// <summary>One connection attempt: worker, when it started and ended (ms on <see cref="Now"/>'s clock), whether the echo came back.</summary>
    public readonly record struct Attempt(int Worker, double StartedMs, double EndedMs, bool Ok);

    /// <summary>The time on the load's clock, ms.</summary>
    public double Now => _clock.Elapsed.TotalMilliseconds;

    /// <summary>The attempts so far.</summary>
    public IReadOnlyList<Attempt> Attempts => [.. _attempts];

    /// <summary>Starts the workers.</summary>
    public static EchoLoad Start(LabNode client, IPEndPoint target, int workers) => new(client, target, workers);

    /// <summary>For each worker, the end of its first successful attempt started after <paramref name="sinceMs"/> (null: none).</summary>
    public double?[] FirstSuccessAfter(double sinceMs)
    {
        var first = new double?[_workers.Length];
        foreach (var a in _attempts)
        {
            if (a.Ok && a.StartedMs > sinceMs && (first[a.Worker] is not { } f || a.EndedMs < f))
            {
                first[a.Worker] = a.EndedMs;
            }
        }

        return first;
    }

    /// <summary>One attempt from the current thread (which must be inside the client namespace).</summary>
    public static bool EchoOnce(IPEndPoint target, int timeoutMs, int? connectTimeoutMs = null)
    {
        try
        {
            using var s = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = timeoutMs, SendTimeout = timeoutMs };
            if (!s.ConnectAsync(target).Wait(connectTimeoutMs ?? timeoutMs))
            {
                return false;
            }

            byte[] msg = Encoding.ASCII.GetBytes("ping " + Environment.TickCount64);
            s.Send(msg);
            s.Shutdown(SocketShutdown.Send);
            var got = new byte[msg.Length];
            int n = 0;
            while (n < got.Length)
            {
                int r = s.Receive(got, n, got.Length - n, SocketFlags.None);
                if (r == 0)
                {
                    return false;
                }

                n += r;
            }

            return got.AsSpan().SequenceEqual(msg);
        }
        catch (Exception ex) when (ex is SocketException or AggregateException or IOException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop = true;
        await Task.WhenAll(_workers).ConfigureAwait(false);
    }

    private void Run(int worker, IPEndPoint target)
    {
        while (!_stop)
        {
            double started = Now;
            bool ok = EchoOnce(target, ReadTimeoutMs, ConnectTimeoutMs);
            _attempts.Enqueue(new Attempt(worker, started, Now, ok));
            if (!ok)
            {
                Thread.Sleep(10);
            }
        }
    }
}
