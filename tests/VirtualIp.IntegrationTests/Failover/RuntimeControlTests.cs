using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Failover;

/// <summary>
/// The Failover daemon's runtime control, driven as an operator does: <c>VirtualIp.Failover ctl ...</c> against the
/// control socket of daemons running in lab namespaces; and its systemd readiness (a NOTIFY_SOCKET the test binds).
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class RuntimeControlTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(int Exit, JsonElement Answer, string Text)> CtlAsync(string socket, params string[] args)
    {
        var result = await LabProcess.RunAsync(FailoverSample.DotnetHost, [FailoverSample.Dll, "ctl", "--socket", socket, .. args], TimeSpan.FromSeconds(30), Ct);
        string text = result.StdOut.Trim();
        var answer = text.StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (result.ExitCode, answer, $"{result.Command} -> {result.ExitCode}: {text} {result.StdErr.Trim()}");
    }

    private static JsonElement Router(JsonElement answer) => answer.GetProperty("routers")[0];

    [Fact]
    public async Task Ctl_reports_status_and_resign_maintenance_and_takeover_move_the_vip_with_audit_lines()
    {
        TestEnvironment.RequireRootAndTools("ip");
        var spec = new ClusterSpec(3, IPv6: false, Unicast: false, TimeSpan.FromMilliseconds(100));
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 2 }, Ct);
        LabNode n1 = lab.Node(1), n2 = lab.Node(2);
        var dir = Directory.CreateTempSubdirectory("vip-ctl-").FullName;
        try
        {
            string sock1 = Path.Combine(dir, "n1", "control.sock"), sock2 = Path.Combine(dir, "n2", "control.sock"), audit = Path.Combine(dir, "audit.jsonl");
            using var d1 = FailoverDaemon.StartOurs(n1, spec.OurArgs(150, n2, "--control-socket", sock1, "--audit-log", audit));
            using var d2 = FailoverDaemon.StartOurs(n2, spec.OurArgs(100, n1, "--control-socket", sock2));
            await ClusterAssert.ConvergesAsync(n1, d1, n2, d2, spec.Vip, TimeSpan.FromSeconds(25), "priority 150 becomes master");
            Assert.True(OperatingSystem.IsLinux() && File.GetUnixFileMode(sock1) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), "control socket mode 0600");

            var (exit, answer, text) = await CtlAsync(sock1, "status");
            Assert.True(exit == 0 && answer.GetProperty("ok").GetBoolean(), text);
            var status = Router(answer);
            Assert.Equal(("VI_51", "Master", 150, spec.VipCidr), (status.GetProperty("router").GetString(), status.GetProperty("state").GetString(),
                status.GetProperty("effectivePriority").GetInt32(), status.GetProperty("vips")[0].GetString()));
            Assert.StartsWith("uid=0", answer.GetProperty("by").GetString(), StringComparison.Ordinal);

            // Resign: the VIP moves to the peer and stays there although n1 (150, preempt) would normally take it back.
            (exit, answer, text) = await CtlAsync(sock1, "resign", "--reason", "ctl test");
            Assert.True(exit == 0 && Router(answer).GetProperty("state").GetString() == "Backup", text);
            await ClusterAssert.ConvergesAsync(n2, d2, n1, d1, spec.Vip, TimeSpan.FromSeconds(5), "resign hands the VIP to n2");
            await ClusterAssert.StaysSingleMasterAsync(n2, d2, n1, d1, spec.Vip, TimeSpan.FromSeconds(1));

            // Maintenance on, resign cleared: still no preemption; a takeover is refused (exit 1).
            Assert.Equal(0, (await CtlAsync(sock1, "maintenance", "on", "--reason", "patching")).Exit);
            Assert.Equal(0, (await CtlAsync(sock1, "clear", "resign")).Exit);
            (exit, answer, text) = await CtlAsync(sock1, "takeover");
            Assert.True(exit == 1 && !answer.GetProperty("ok").GetBoolean() && answer.GetProperty("error").GetString()!.Contains("maintenance", StringComparison.Ordinal), text);
            await ClusterAssert.StaysSingleMasterAsync(n2, d2, n1, d1, spec.Vip, TimeSpan.FromSeconds(1));

            // Maintenance off: n1 preempts.
            Assert.Equal(0, (await CtlAsync(sock1, "maintenance", "off")).Exit);
            await ClusterAssert.ConvergesAsync(n1, d1, n2, d2, spec.Vip, TimeSpan.FromSeconds(5), "n1 preempts after maintenance");

            // Takeover on the backup (a drill): n2 is master at once; clearing it gives the VIP back.
            (exit, answer, text) = await CtlAsync(sock2, "takeover", "--reason", "drill");
            Assert.True(exit == 0 && Router(answer).GetProperty("effectivePriority").GetInt32() == 254, text);
            await ClusterAssert.ConvergesAsync(n2, d2, n1, d1, spec.Vip, TimeSpan.FromSeconds(5), "takeover on n2");
            Assert.Contains("Backup -> Master (Administrative)", d2.Log, StringComparison.Ordinal);
            Assert.Equal(0, (await CtlAsync(sock2, "clear", "takeover")).Exit);
            await ClusterAssert.ConvergesAsync(n1, d1, n2, d2, spec.Vip, TimeSpan.FromSeconds(5), "n1 preempts after the drill");

            // Operator mistakes and a missing daemon have their own exit codes.
            Assert.Equal(2, (await CtlAsync(sock1, "priority", "300")).Exit);
            Assert.Equal(3, (await CtlAsync(Path.Combine(dir, "none.sock"), "status")).Exit);

            // Bad requests from another client get an error line each, on the same connection.
            using (var raw = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                await raw.ConnectAsync(new UnixDomainSocketEndPoint(sock1), Ct);
                await raw.SendAsync(Encoding.UTF8.GetBytes("not json\n{\"command\":\"priority\",\"priority\":\"x\"}\n{\"command\":\"status\"}\n"), SocketFlags.None, Ct);
                using var reader = new StreamReader(new NetworkStream(raw, ownsSocket: false), Encoding.UTF8);
                var answers = new List<JsonElement>();
                for (int i = 0; i < 3; i++)
                {
                    answers.Add(JsonDocument.Parse((await reader.ReadLineAsync(Ct))!).RootElement.Clone());
                }

                Assert.Equal([false, false, true], answers.Select(a => a.GetProperty("ok").GetBoolean()));
                Assert.Contains("priority", answers[1].GetProperty("error").GetString(), StringComparison.Ordinal);
            }

            // SIGHUP reloads the configuration and says so.
            d1.Reload("{}");
            await ClusterAssert.EventuallyAsync(() => Task.FromResult(d1.Log.Contains("SIGHUP: configuration reloaded", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(5), "reload logged", d1);

            Assert.True(d1.Stop(TimeSpan.FromSeconds(15)));
            var lines = File.ReadAllLines(audit).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
            var control = lines.Where(l => l.GetProperty("kind").GetString() == "router-control").ToList();
            Assert.Equal(["Resign", "MaintenanceOn", "Resume", "MaintenanceOff"], control.Select(l => l.GetProperty("action").GetString()));
            Assert.All(control, l => Assert.StartsWith("uid=0", l.GetProperty("by").GetString(), StringComparison.Ordinal));
            Assert.Equal("ctl test", control[0].GetProperty("reason").GetString());
            Assert.Contains(lines, l => l.GetProperty("kind").GetString() == "state-changed" && l.GetProperty("reason").GetString() == "Administrative"
                && l.GetProperty("detail").GetString()!.Contains("resign by uid=0", StringComparison.Ordinal));
            Assert.False(File.Exists(sock1)); // removed on a clean stop
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Under_systemd_ready_is_sent_only_after_the_first_vrrp_state_stopping_on_sigterm_and_logs_use_the_journald_format()
    {
        TestEnvironment.RequireRootAndTools("ip", "unshare");
        var spec = new ClusterSpec(3, IPv6: false, Unicast: false, TimeSpan.FromSeconds(1));
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 1 }, Ct);
        var dir = Directory.CreateTempSubdirectory("vip-notify-").FullName;
        try
        {
            string path = Path.Combine(dir, "notify.sock");
            using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            notify.Bind(new UnixDomainSocketEndPoint(path));

            // PID 1 of a new PID namespace with NOTIFY_SOCKET set: what UseSystemd() recognises as a (containerised) service.
            using var daemon = FailoverDaemon.StartOurs(lab.Node(1), spec.OurArgs(150, lab.Node(1), "--verbose"),
                environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path }, asPid1: true);
            var received = new List<(DateTime At, string Text)>();
            var buffer = new byte[4096];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            while (!received.Any(m => m.Text.Contains("READY=1", StringComparison.Ordinal)))
            {
                int n = await notify.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                received.Add((DateTime.UtcNow, Encoding.UTF8.GetString(buffer, 0, n)));
            }

            var ready = received.First(m => m.Text.Contains("READY=1", StringComparison.Ordinal)).At;
            var states = daemon.States;
            Assert.True(states.Count >= 2 && states[0].State == "Backup" && states[1].State == "Master", daemon.Log);
            Assert.True(ready >= states[1].At, $"READY=1 at {ready:O} before the first master state at {states[1].At:O}\n{daemon.Log}");
            Assert.True(ready - states[0].At >= spec.MasterDown(150) - TimeSpan.FromMilliseconds(100),
                $"READY=1 {(ready - states[0].At).TotalMilliseconds:0} ms after start: sooner than Master_Down_Interval\n{daemon.Log}");
            Assert.Contains("<6>VirtualIp", daemon.Log, StringComparison.Ordinal); // journald priority prefixes, no timestamps

            // SIGTERM to the daemon (the child of unshare): STOPPING=1 before it exits.
            int pid = int.Parse(File.ReadAllText($"/proc/{daemon.ProcessId}/task/{daemon.ProcessId}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries)[0],
                System.Globalization.CultureInfo.InvariantCulture);
            LabInterop.Kill(pid, 15);
            int got = await notify.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            Assert.Contains("STOPPING=1", Encoding.UTF8.GetString(buffer, 0, got), StringComparison.Ordinal);
            TestContext.Current.TestOutputHelper?.WriteLine($"READY=1 {(ready - states[0].At).TotalMilliseconds:0} ms after the startup state (Master_Down_Interval {spec.MasterDown(150).TotalMilliseconds:0} ms)");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
