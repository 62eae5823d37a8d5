using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VirtualIp.Balancing.Tests.Forwarding;

namespace VirtualIp.Balancing.Tests.Management;

/// <summary>
/// The proof of issue #12 item 3: add, re-weight, drain and remove backends through <see cref="IForwarderManager"/>
/// while clients keep the forwarder busy (short connections: connect, echo, close; and persistent connections that
/// ping-pong every few milliseconds). Nothing fails except the removed backend's persistent connections, which are
/// cut at the drain deadline — exactly those, counted separately.
/// </summary>
public sealed class RuntimeManagementUnderLoadTests
{
    private const int ShortWorkers = 8;
    private const int PersistentWorkers = 6;

    [Fact]
    public async Task Add_weight_and_remove_under_load_fail_only_the_removed_backends_connections_after_the_deadline()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var a = new EchoServer(prefix: (byte)'A');
        await using var b = new EchoServer(prefix: (byte)'B');
        await using var c = new EchoServer(prefix: (byte)'C');
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddVirtualIpForwarder(o =>
        {
            o.Name = "load";
            o.Listen = "127.0.0.1:0";
            o.Scheduler = "weighted-round-robin";
            o.TcpWaitForClientData = false; // the echo backends speak first
            o.Backends.Add(new ForwarderBackendOptions { Address = a.Address, Name = "a" });
            o.Backends.Add(new ForwarderBackendOptions { Address = b.Address, Name = "b" });
        });
        using var host = builder.Build();
        await host.StartAsync(ct);
        var control = host.Services.GetRequiredService<IForwarderManager>().Get("load");
        var load = new Load(control.LocalEndPoint);

        // Persistent connections first, one at a time: weighted round robin over equal weights puts 3 on each backend.
        var persistent = new Task[PersistentWorkers];
        for (int i = 0; i < PersistentWorkers; i++)
        {
            persistent[i] = await load.StartPersistentAsync(i, ct);
        }

        var shortLoad = Enumerable.Range(0, ShortWorkers).Select(_ => Task.Run(() => load.ShortLoopAsync(ct), ct)).ToArray();
        await Task.Delay(700, ct);

        var cAdded = await control.AddBackendAsync(new ForwarderBackendOptions { Address = c.Address, Name = "c" }, ct);
        Assert.Equal("c", cAdded.Name);
        await load.WaitForShortAsync('C', 50, ct);

        control.SetWeight("a", 4);
        var before = load.ShortCounts();
        await Task.Delay(700, ct);
        var window = load.ShortCounts().Select((n, i) => n - before[i]).ToArray(); // A, B, C after the weight change
        Assert.True(window[0] > 2 * window[1] && window[0] > 2 * window[2], $"weight 4:1:1 gave A={window[0]} B={window[1]} C={window[2]}");

        int persistentOnB = load.PersistentOn('B');
        Assert.Equal(3, persistentOnB);
        var removeStarted = Stopwatch.GetTimestamp();
        bool clean = await control.RemoveBackendAsync("b", TimeSpan.FromSeconds(1), ct);
        var removeTook = Stopwatch.GetElapsedTime(removeStarted);
        Assert.False(clean); // persistent connections never end on their own
        Assert.True(removeTook >= TimeSpan.FromSeconds(0.9), $"remove returned after {removeTook}");
        long shortOnBAfterRemoval = load.ShortCounts()[1];
        await Task.Delay(700, ct); // new connections keep working on a and c
        Assert.Equal(shortOnBAfterRemoval, load.ShortCounts()[1]);

        load.Stop();
        await Task.WhenAll(shortLoad);
        await Task.WhenAll(persistent);
        await host.StopAsync(ct);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"short connections A/B/C = {string.Join("/", load.ShortCounts())}, short failures {load.ShortFailures}; persistent round trips {load.PersistentRoundTrips}, "
            + $"persistent on b at removal {persistentOnB}, cut {load.PersistentFailures}; remove took {removeTook.TotalMilliseconds:F0} ms");
        Assert.Equal(0, load.ShortFailures);
        Assert.Equal(persistentOnB, load.PersistentFailures);        // exactly the removed backend's in-flight connections ...
        Assert.All(load.FailedOn, x => Assert.Equal((byte)'B', x));    // ... and none of another backend
        Assert.All(load.FailedAfter, t => Assert.True(t >= removeStarted + (long)(0.9 * Stopwatch.Frequency), "cut before the drain deadline"));
        Assert.True(load.ShortCounts().Sum() > 100, $"only {load.ShortCounts().Sum()} short connections");
        Assert.True(load.PersistentRoundTrips > 100, $"only {load.PersistentRoundTrips} persistent round trips");
    }

    /// <summary>The clients: short connections in a loop and persistent ping-pong connections that reconnect when cut.</summary>
    private sealed class Load(IPEndPoint target)
    {
        private readonly long[] _short = new long[3];
        private readonly int[] _persistentOn = new int[PersistentWorkers];
        private readonly CancellationTokenSource _stop = new();
        private int _shortFailures;
        private int _persistentFailures;
        private long _roundTrips;

        public ConcurrentBag<byte> FailedOn { get; } = [];

        public ConcurrentBag<long> FailedAfter { get; } = [];

        public int ShortFailures => Volatile.Read(ref _shortFailures);

        public int PersistentFailures => Volatile.Read(ref _persistentFailures);

        public long PersistentRoundTrips => Interlocked.Read(ref _roundTrips);

        public long[] ShortCounts() => [.. _short.Select(x => Interlocked.Read(ref x))];

        public int PersistentOn(char backend) => _persistentOn.Count(x => Volatile.Read(ref x) == backend);

        public void Stop() => _stop.Cancel();

        public async Task WaitForShortAsync(char backend, int count, CancellationToken ct)
        {
            for (int i = 0; i < 500 && Interlocked.Read(ref _short[backend - 'A']) < count; i++)
            {
                await Task.Delay(10, ct);
            }

            Assert.True(Interlocked.Read(ref _short[backend - 'A']) >= count, $"backend {backend} got no short connections");
        }

        public async Task ShortLoopAsync(CancellationToken ct)
        {
            var payload = new byte[16];
            var buf = new byte[17];
            while (!_stop.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                try
                {
                    using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timeout.CancelAfter(TimeSpan.FromSeconds(10));
                    await s.ConnectAsync(target, timeout.Token);
                    await s.SendAsync(payload, SocketFlags.None, timeout.Token);
                    await ReceiveAsync(s, buf, timeout.Token); // prefix byte + 16 echoed
                    s.Shutdown(SocketShutdown.Send);
                    Interlocked.Increment(ref _short[buf[0] - 'A']);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
                {
                    if (!ct.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref _shortFailures);
                    }
                }
            }
        }

        /// <summary>Connects worker <paramref name="id"/> (its backend known when this returns), then ping-pongs in the background.</summary>
        public async Task<Task> StartPersistentAsync(int id, CancellationToken ct)
        {
            var first = await ConnectPersistentAsync(id, ct);
            return Task.Run(() => PersistentLoopAsync(id, first, ct), ct);
        }

        private async Task<Socket> ConnectPersistentAsync(int id, CancellationToken ct)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await s.ConnectAsync(target, ct);
            var prefix = new byte[1];
            await ReceiveAsync(s, prefix, ct);
            Volatile.Write(ref _persistentOn[id], prefix[0]);
            return s;
        }

        private async Task PersistentLoopAsync(int id, Socket s, CancellationToken ct)
        {
            var msg = new byte[32];
            var buf = new byte[32];
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                        timeout.CancelAfter(TimeSpan.FromSeconds(10));
                        await s.SendAsync(msg, SocketFlags.None, timeout.Token);
                        await ReceiveAsync(s, buf, timeout.Token);
                        Interlocked.Increment(ref _roundTrips);
                        await Task.Delay(5, ct);
                    }
                    catch (Exception ex) when (ex is SocketException or IOException)
                    {
                        Interlocked.Increment(ref _persistentFailures);
                        FailedOn.Add((byte)Volatile.Read(ref _persistentOn[id]));
                        FailedAfter.Add(Stopwatch.GetTimestamp());
                        s.Dispose();
                        s = await ConnectPersistentAsync(id, ct);
                    }
                }
            }
            finally
            {
                s.Dispose();
            }
        }

        private static async Task ReceiveAsync(Socket s, byte[] buf, CancellationToken ct)
        {
            int got = 0;
            while (got < buf.Length)
            {
                int n = await s.ReceiveAsync(buf.AsMemory(got), SocketFlags.None, ct);
                if (n == 0)
                {
                    throw new IOException($"EOF after {got} of {buf.Length} bytes");
                }

                got += n;
            }
        }
    }
}
