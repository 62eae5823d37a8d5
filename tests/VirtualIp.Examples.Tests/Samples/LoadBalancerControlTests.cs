using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using VirtualIp.Testing;

namespace VirtualIp.Examples.Tests.Samples;

/// <summary>
/// The LoadBalancer sample's runtime commands (samples/VirtualIp.LoadBalancer/README.md) against the real process:
/// add, re-weight and remove backends over its loopback HTTP control endpoint while clients keep it busy, and a live
/// edit of its appsettings.json. Backends are in-process echo servers that first send one byte naming themselves.
/// </summary>
public sealed class LoadBalancerControlTests
{
    [Fact]
    public async Task Control_endpoint_adds_reweights_and_removes_backends_under_load_failing_only_the_removed_backends_connections()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var a = new TaggedEcho('A');
        await using var b = new TaggedEcho('B');
        await using var c = new TaggedEcho('C');
        int listen = FreePort(), control = FreePort();
        using var dir = new TempDir();
        await using var lb = Sample.Start(dir.Path, "--listen", $"127.0.0.1:{listen}", "--backends", $"{a.Address},{b.Address}",
            "--scheduler", "weighted-round-robin", "--server-speaks-first", "--control", $"127.0.0.1:{control}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{control}/") };
        await lb.WaitForAsync(http);
        var target = new IPEndPoint(IPAddress.Loopback, listen);

        // Two persistent connections per backend (weighted round robin alternates), then short connections in a loop.
        var persistent = new List<(char Backend, Socket Socket)>();
        for (int i = 0; i < 4; i++)
        {
            var s = await ConnectAsync(target, ct);
            persistent.Add(((char)(await ReceiveAsync(s, 1, ct))[0], s));
        }

        using var stop = new CancellationTokenSource();
        int shortFailures = 0;
        var counts = new int[3];
        var shortLoad = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var s = await ConnectAsync(target, ct);
                    await s.SendAsync("hello"u8.ToArray(), SocketFlags.None, ct);
                    var got = await ReceiveAsync(s, 6, ct);
                    Interlocked.Increment(ref counts[got[0] - 'A']);
                }
                catch (Exception ex) when (ex is SocketException or IOException)
                {
                    Interlocked.Increment(ref shortFailures);
                }
            }
        }, ct)).ToArray();

        var added = await http.PostAsJsonAsync("backends", new { address = c.Address, name = "c" }, ct);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var weighted = await http.PutAsJsonAsync($"backends/{a.Address}/weight", new { weight = 3 }, ct);
        Assert.Equal(HttpStatusCode.OK, weighted.StatusCode);
        await Task.Delay(500, ct);
        Assert.True(Volatile.Read(ref counts[2]) > 0, "the added backend got no connections");

        int onB = persistent.Count(p => p.Backend == 'B');
        var removing = Stopwatch.StartNew();
        var removed = await http.DeleteAsync($"backends/{b.Address}?deadline=1s", ct);
        removing.Stop();
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.False((await removed.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("allEndedBeforeDeadline").GetBoolean());
        Assert.True(removing.Elapsed >= TimeSpan.FromSeconds(0.9), $"DELETE returned after {removing.Elapsed}");
        await Task.Delay(300, ct);
        stop.Cancel();
        await Task.WhenAll(shortLoad);

        int cut = 0;
        foreach (var (backend, s) in persistent)
        {
            try
            {
                await s.SendAsync("ping"u8.ToArray(), SocketFlags.None, ct);
                await ReceiveAsync(s, 4, ct);
                Assert.NotEqual('B', backend);
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                Assert.Equal('B', backend);
                cut++;
            }

            s.Dispose();
        }

        Assert.Equal(0, shortFailures);
        Assert.Equal(2, onB);
        Assert.Equal(onB, cut); // exactly the removed backend's in-flight connections, cut at the deadline
        var listed = await http.GetFromJsonAsync<JsonElement>("backends", ct);
        Assert.Equal([$"{a.Address}:3", "c:1"], listed.GetProperty("backends").EnumerateArray().Select(x => $"{x.GetProperty("name").GetString()}:{x.GetProperty("weight").GetInt32()}"));
        var unknown = await http.DeleteAsync("backends/nope", ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task An_edit_of_appsettings_json_changes_the_backends_live_and_keeps_open_connections()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var a = new TaggedEcho('A');
        await using var b = new TaggedEcho('B');
        int listen = FreePort(), control = FreePort();
        using var dir = new TempDir();
        string settings = Path.Combine(dir.Path, "appsettings.json");
        string Settings(string backends) => $$"""
            { "Forwarder": { "Listen": "127.0.0.1:{{listen}}", "DrainTimeout": "5s", "TcpWaitForClientData": false, "Backends": [ {{backends}} ] },
              "Control": { "Listen": "127.0.0.1:{{control}}" } }
            """;
        await File.WriteAllTextAsync(settings, Settings($"\"{a.Address}\""), ct);
        await using var lb = Sample.Start(dir.Path);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{control}/") };
        await lb.WaitForAsync(http);
        using var onA = await ConnectAsync(new IPEndPoint(IPAddress.Loopback, listen), ct);
        Assert.Equal((byte)'A', (await ReceiveAsync(onA, 1, ct))[0]);

        await File.WriteAllTextAsync(settings, Settings($"\"{a.Address}\", {{ \"Address\": \"{b.Address}\", \"Name\": \"b\", \"Weight\": 2 }}"), ct);
        string[] names = [];
        for (int i = 0; i < 100 && names.Length != 2; i++)
        {
            await Task.Delay(100, ct);
            var listed = await http.GetFromJsonAsync<JsonElement>("backends", ct);
            names = [.. listed.GetProperty("backends").EnumerateArray().Select(x => x.GetProperty("name").GetString()!)];
        }

        Assert.Equal([a.Address, "b"], names);
        await onA.SendAsync("ping"u8.ToArray(), SocketFlags.None, ct); // the open connection was not touched
        Assert.Equal("ping"u8.ToArray(), await ReceiveAsync(onA, 4, ct));
    }

    private static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint ep, CancellationToken ct)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await s.ConnectAsync(ep, ct);
        return s;
    }

    private static async Task<byte[]> ReceiveAsync(Socket s, int count, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var buf = new byte[count];
        for (int got = 0; got < count;)
        {
            int n = await s.ReceiveAsync(buf.AsMemory(got), SocketFlags.None, timeout.Token);
            got += n > 0 ? n : throw new IOException($"EOF after {got} of {count} bytes");
        }

        return buf;
    }

    /// <summary>The sample as a child process, killed (with its tree) at the end.</summary>
    private sealed class Sample : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _stderr;
        private readonly Task<string> _stdout;

        private Sample(Process process)
        {
            _process = process;
            _stdout = process.StandardOutput.ReadToEndAsync();
            _stderr = process.StandardError.ReadToEndAsync();
        }

        public static Sample Start(string workingDirectory, params string[] args)
        {
            string dll = typeof(LoadBalancerControlTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "LoadBalancerSampleDll").Value!;
            Assert.True(File.Exists(dll), $"{dll} was not built (it builds with this test project)");
            string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } p && File.Exists(p) ? p : TestEnvironment.FindOnPath("dotnet") ?? "dotnet";
            var psi = new ProcessStartInfo(dotnet) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(dll);
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("Forwarder__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Control__", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                psi.Environment.Remove(name);
            }

            return new Sample(Process.Start(psi)!);
        }

        public async Task WaitForAsync(HttpClient http)
        {
            for (int i = 0; i < 300; i++)
            {
                Assert.False(_process.HasExited, $"the sample exited with {(_process.HasExited ? _process.ExitCode : 0)}: {await ErrorsAsync()}");
                try
                {
                    using var r = await http.GetAsync("backends", TestContext.Current.CancellationToken);
                    if (r.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            Assert.Fail("the control endpoint never answered");
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
            TestContext.Current.TestOutputHelper?.WriteLine(await _stdout);
            _process.Dispose();
        }

        private async Task<string> ErrorsAsync() => _process.HasExited ? await _stderr + await _stdout : "";
    }

    /// <summary>A loopback echo server that first sends one byte naming itself.</summary>
    private sealed class TaggedEcho : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly CancellationTokenSource _cts = new();
        private readonly Task _loop;

        public TaggedEcho(char tag)
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(512);
            _loop = Task.Run(async () =>
            {
                while (true)
                {
                    Socket s;
                    try
                    {
                        s = await _listener.AcceptAsync(_cts.Token);
                    }
                    catch (Exception)
                    {
                        return;
                    }

                    _ = EchoAsync(s, (byte)tag);
                }
            });
        }

        public string Address => _listener.LocalEndPoint!.ToString()!;

        public async ValueTask DisposeAsync()
        {
            await _cts.CancelAsync();
            _listener.Dispose();
            await _loop;
            _cts.Dispose();
        }

        private async Task EchoAsync(Socket s, byte tag)
        {
            using (s)
            {
                var buf = new byte[4096];
                try
                {
                    await s.SendAsync(new[] { tag }, SocketFlags.None, _cts.Token);
                    for (int n; (n = await s.ReceiveAsync(buf, SocketFlags.None, _cts.Token)) > 0;)
                    {
                        await s.SendAsync(buf.AsMemory(0, n), SocketFlags.None, _cts.Token);
                    }
                }
                catch (Exception)
                {
                }
            }
        }
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("vip-lb-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
