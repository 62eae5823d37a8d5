using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using VirtualIp.Testing;

namespace VirtualIp.Etcd.Tests;

/// <summary>
/// A real etcd (Debian's etcd-server) on 127.0.0.1 with free ports and its data in a temp dir; stopped by PID
/// (also on process exit), data removed on dispose. Can be stopped and started again on the same data (restart tests).
/// </summary>
internal sealed class EtcdServer : IDisposable
{
    private static readonly List<EtcdServer> s_live = [];
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vip-etcd-");
    private readonly int _peerPort;
    private Process? _process;

    static EtcdServer() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        lock (s_live)
        {
            foreach (var s in s_live)
            {
                s.Stop();
            }
        }
    };

    private EtcdServer(string binary)
    {
        Binary = binary;
        ClientPort = FreePort();
        _peerPort = FreePort();
        lock (s_live)
        {
            s_live.Add(this);
        }
    }

    public string Binary { get; }

    public int ClientPort { get; }

    public string Endpoint => $"http://127.0.0.1:{ClientPort}";

    public int? Pid => _process?.Id;

    /// <summary>etcd on PATH or /usr/bin/etcd, or null.</summary>
    public static string? Find() => TestEnvironment.FindOnPath("etcd") ?? (File.Exists("/usr/bin/etcd") ? "/usr/bin/etcd" : null);

    /// <summary>Starts etcd, or skips the test with the reason when it is not installed.</summary>
    public static async Task<EtcdServer> StartAsync()
    {
        var binary = Find();
        TestEnvironment.Require(binary is not null, "needs etcd (apt-get install etcd-server; test.sh/CI installs it)");
        var s = new EtcdServer(binary!);
        await s.StartAgainAsync();
        return s;
    }

    /// <summary>Starts (or restarts) the server on the same ports and data and waits until it answers.</summary>
    public async Task StartAgainAsync()
    {
        var psi = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            "--name", "vip-test", "--data-dir", Path.Combine(_dir.FullName, "data"),
            "--listen-client-urls", Endpoint, "--advertise-client-urls", Endpoint,
            "--listen-peer-urls", $"http://127.0.0.1:{_peerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{_peerPort}",
            "--initial-cluster", $"vip-test=http://127.0.0.1:{_peerPort}", "--log-level", "error",
        })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["ETCD_UNSUPPORTED_ARCH"] = "";
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        while (DateTime.UtcNow < until)
        {
            try
            {
                var health = await http.GetStringAsync(new Uri($"{Endpoint}/health"));
                if (health.Contains("true", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            Assert.False(_process.HasExited, $"etcd exited with code {(_process.HasExited ? _process.ExitCode : 0)} at start");
            await Task.Delay(100);
        }

        throw new TimeoutException($"etcd on {Endpoint} did not become healthy in 20 s");
    }

    /// <summary>Stops the server (SIGKILL by PID) and waits for it to exit. Data stays.</summary>
    public void Stop()
    {
        var p = _process;
        _process = null;
        if (p is null)
        {
            return;
        }

        try
        {
            if (!p.HasExited)
            {
                p.Kill();
                p.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        p.Dispose();
    }

    public void Dispose()
    {
        Stop();
        lock (s_live)
        {
            s_live.Remove(this);
        }

        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
