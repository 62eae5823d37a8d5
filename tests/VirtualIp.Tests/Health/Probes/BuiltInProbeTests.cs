using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using VirtualIp.Health;
using VirtualIp.Testing;

namespace VirtualIp.Tests.Health.Probes;

public sealed class BuiltInProbeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CancellationToken Within(TimeSpan timeout) => new CancellationTokenSource(timeout).Token;

    [Fact]
    public async Task Tcp_probe_is_healthy_when_listening()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var result = await HealthProbes.Tcp("127.0.0.1", port).ProbeAsync(Within(TimeSpan.FromSeconds(5)));
        Assert.True(result.Healthy, result.ToString());
        Assert.Equal(ProbeReasons.Ok, result.Reason);
    }

    [Fact]
    public async Task Tcp_probe_reports_refused_on_a_closed_port()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
        }

        var result = await HealthProbes.Parse($"tcp://127.0.0.1:{port}").ProbeAsync(Within(TimeSpan.FromSeconds(5)));
        Assert.False(result.Healthy);
        Assert.Equal(ProbeReasons.ConnectionRefused, result.Reason);
    }

    [Fact]
    public async Task Tcp_probe_times_out_against_a_full_backlog()
    {
        using var backlog = await FullBacklog.FillAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var probe = HealthProbes.Tcp(backlog.EndPoint);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await probe.ProbeAsync(cts.Token));
    }

    [Fact]
    public async Task Tcp_probe_through_the_monitor_counts_half_open_as_timeout()
    {
        using var backlog = await FullBacklog.FillAsync();
        await using var monitor = new HealthMonitor(TimeProvider.System);
        var done = new TaskCompletionSource<ProbeResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        monitor.ProbeCompleted += (string _, HealthState _, in ProbeResult r) => done.TrySetResult(r);
        monitor.Add(new HealthCheckOptions { Name = "half-open", Interval = TimeSpan.FromSeconds(10), Timeout = TimeSpan.FromMilliseconds(300), JitterFraction = 0 },
            HealthProbes.Tcp(backlog.EndPoint));
        var result = await done.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.False(result.Healthy);
        Assert.Equal(ProbeReasons.Timeout, result.Reason);
        Assert.InRange(result.Duration, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Http_probe_checks_status_range()
    {
        await using var server = new LoopbackHttpServer();
        Assert.True((await HealthProbes.Http(server.Url("/ok")).ProbeAsync(Within(TimeSpan.FromSeconds(5)))).Healthy);
        Assert.True((await HealthProbes.Http(server.Url("/status/302")).ProbeAsync(Within(TimeSpan.FromSeconds(5)))).Healthy);
        var fail = await HealthProbes.Parse(server.Url("/status/500").ToString()).ProbeAsync(Within(TimeSpan.FromSeconds(5)));
        Assert.False(fail.Healthy);
        Assert.Equal(ProbeReasons.UnexpectedStatus, fail.Reason);
        Assert.False((await HealthProbes.Http(server.Url("/status/302"), maxStatus: 299).ProbeAsync(Within(TimeSpan.FromSeconds(5)))).Healthy);
        Assert.True((await HealthProbes.Http(server.Url("/status/503"), minStatus: 503, maxStatus: 503).ProbeAsync(Within(TimeSpan.FromSeconds(5)))).Healthy);
    }

    [Fact]
    public async Task Http_probe_matches_body_within_the_byte_limit()
    {
        await using var server = new LoopbackHttpServer();
        Assert.True((await HealthProbes.Http(server.Url("/body/status%3A%20READY"), bodyContains: "READY").ProbeAsync(Within(TimeSpan.FromSeconds(5)))).Healthy);
        var mismatch = await HealthProbes.Http(server.Url("/body/status%3A%20DEGRADED"), bodyContains: "READY").ProbeAsync(Within(TimeSpan.FromSeconds(5)));
        Assert.Equal(ProbeReasons.BodyMismatch, mismatch.Reason);
        Assert.False((await HealthProbes.Http(server.Url("/big"), bodyContains: "NEEDLE", maxBodyBytes: 1024).ProbeAsync(Within(TimeSpan.FromSeconds(5)))).Healthy);
        Assert.True((await HealthProbes.Http(server.Url("/big"), bodyContains: "NEEDLE", maxBodyBytes: 20_000).ProbeAsync(Within(TimeSpan.FromSeconds(5)))).Healthy);
    }

    [Fact]
    public async Task Http_probe_is_cancelled_when_the_server_never_answers()
    {
        await using var server = new LoopbackHttpServer();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await HealthProbes.Http(server.Url("/slow")).ProbeAsync(cts.Token));
    }

    [Fact]
    public async Task Http_probe_reports_refused()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var result = await HealthProbes.Http(new Uri($"http://127.0.0.1:{port}/")).ProbeAsync(Within(TimeSpan.FromSeconds(5)));
        Assert.False(result.Healthy);
        Assert.Equal(ProbeReasons.ConnectionRefused, result.Reason);
    }

    [Fact]
    public async Task Icmp_probe_gets_an_echo_reply_from_loopback()
    {
        TestEnvironment.Require(TestEnvironment.IsRoot, "ICMP raw sockets need root (CAP_NET_RAW)");
        var result = await HealthProbes.Parse("icmp://127.0.0.1").ProbeAsync(Within(TimeSpan.FromSeconds(5)));
        Assert.True(result.Healthy, result.ToString());
    }

    [Fact]
    public async Task Exec_probe_uses_the_exit_code()
    {
        TestEnvironment.Require(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "uses /bin/sh");
        Assert.True((await HealthProbes.Parse("exec:true").ProbeAsync(Within(TimeSpan.FromSeconds(10)))).Healthy);
        var fail = await HealthProbes.Parse("exec:false").ProbeAsync(Within(TimeSpan.FromSeconds(10)));
        Assert.False(fail.Healthy);
        Assert.Equal("exit code 1", fail.Reason);
        Assert.Equal("exit code 3", (await HealthProbes.Command("echo noise; exit 3").ProbeAsync(Within(TimeSpan.FromSeconds(10)))).Reason);
    }

    [Fact]
    public async Task Exec_probe_timeout_kills_the_process_tree()
    {
        TestEnvironment.Require(OperatingSystem.IsLinux(), "reads /proc");
        var marker = $"10.{Random.Shared.Next(100_000, 999_999)}";
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var probe = HealthProbes.Command($"sleep {marker}; echo after");
        var started = DateTime.UtcNow;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await probe.ProbeAsync(cts.Token));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));

        // Neither the shell nor its sleep child survive.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (FindProcesses(marker).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }

        Assert.Empty(FindProcesses(marker));
    }

    private static List<int> FindProcesses(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                if (cmdline.Contains(marker) && !stat.Contains(") Z "))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    [Fact]
    public async Task Health_check_adapter_maps_statuses()
    {
        var ok = await HealthProbes.FromHealthCheck(new FixedCheck(HealthCheckResult.Healthy())).ProbeAsync(Ct);
        Assert.True(ok.Healthy);
        var degraded = await HealthProbes.FromHealthCheck(new FixedCheck(HealthCheckResult.Degraded())).ProbeAsync(Ct);
        Assert.True(degraded.Healthy);
        Assert.Equal(ProbeReasons.Degraded, degraded.Reason);
        Assert.False((await HealthProbes.FromHealthCheck(new FixedCheck(HealthCheckResult.Degraded("slow db")), degradedIsHealthy: false).ProbeAsync(Ct)).Healthy);
        var bad = await HealthProbes.FromHealthCheck(new FixedCheck(HealthCheckResult.Unhealthy("db down"))).ProbeAsync(Ct);
        Assert.Equal((false, "db down"), (bad.Healthy, bad.Reason));
        Assert.Equal(ProbeReasons.Unhealthy, (await HealthProbes.FromHealthCheck(new FixedCheck(HealthCheckResult.Unhealthy())).ProbeAsync(Ct)).Reason);
    }

    private sealed class FixedCheck(HealthCheckResult result) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            Assert.NotNull(context.Registration);
            return Task.FromResult(result);
        }
    }

    /// <summary>A loopback listener (backlog 0) whose accept queue is filled and never accepted: a new connect to it stays half-open.</summary>
    private sealed class FullBacklog : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly List<Socket> _fillers = [];
        private readonly CancellationTokenSource _fill = new(TimeSpan.FromSeconds(10));

        private FullBacklog()
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(0);
            EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        }

        public IPEndPoint EndPoint { get; }

        public static async Task<FullBacklog> FillAsync()
        {
            var backlog = new FullBacklog();
            try
            {
                // Fill the accept queue (never accepted) until a connect stops completing.
                for (var i = 0; i < 8; i++)
                {
                    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    backlog._fillers.Add(s);
                    var connect = s.ConnectAsync(backlog.EndPoint, backlog._fill.Token).AsTask();
                    if (await Task.WhenAny(connect, Task.Delay(300, Ct)) != connect)
                    {
                        break;
                    }
                }

                return backlog;
            }
            catch
            {
                backlog.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            _fill.Cancel();
            foreach (var s in _fillers)
            {
                s.Dispose();
            }

            _fill.Dispose();
            _listener.Dispose();
        }
    }
}
