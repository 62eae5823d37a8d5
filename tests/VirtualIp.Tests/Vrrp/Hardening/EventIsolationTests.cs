using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Election;
using VirtualIp.Events;
using VirtualIp.Hosting;
using VirtualIp.Tests.Vrrp.StateMachine;

using VirtualIp.Testing;

namespace VirtualIp.Tests.Vrrp.Hardening;

/// <summary>Issue 11: audit, event handlers and notify commands never hold up the engine, nor each other.</summary>
public sealed class EventIsolationTests
{
    [Fact]
    public async Task One_throwing_state_handler_does_not_skip_the_others_and_is_reported()
    {
        var net = new SimulatedNetwork();
        var n = Sim.Node(net, "192.0.2.1", Sim.Options("a", 100));
        int second = 0;
        var failed = new List<VirtualRouterActionFailedEventArgs>();
        n.Router.StateChanged += (_, _) => throw new InvalidOperationException("buggy handler");
        n.Router.StateChanged += (_, _) => Interlocked.Increment(ref second);
        n.Router.ActionFailed += (_, e) => failed.Add(e);
        Sim.Start(n);
        net.Run(TimeSpan.FromSeconds(5));
        await Sim.IdleAsync(n);
        Assert.Equal(VrrpState.Master, n.State);
        Assert.Equal(2, second); // Initialize -> Backup, Backup -> Master
        Assert.Equal(2, failed.Count);
        Assert.All(failed, f => Assert.Equal(VirtualRouterAction.EventHandler, f.Action));
    }

    [Fact]
    public async Task A_handler_that_blocks_does_not_delay_binding_the_vips()
    {
        // Fault stopped: a slow audit file / handler on the action queue delayed every later bind and announcement.
        var net = new SimulatedNetwork();
        var n = Sim.Node(net, "192.0.2.1", Sim.Options("a", 255));
        using var release = new ManualResetEventSlim();
        n.Router.StateChanged += (_, _) => release.Wait(TimeSpan.FromSeconds(10));
        Sim.Start(n);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!n.Binder.IsBound(Sim.Vip4) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.True(n.Binder.IsBound(Sim.Vip4));
        Assert.Equal(1, n.Announcer.Active);
        release.Set();
        await Sim.IdleAsync(n);
    }

    [Fact]
    public async Task The_event_stream_runs_each_handler_on_its_own_and_in_order()
    {
        var stream = new VirtualIpEventStream();
        var errors = new List<Exception>();
        var seen = new List<string>();
        stream.HandlerFailed += errors.Add;
        stream.Published += (_, _) => throw new InvalidOperationException("first handler is buggy");
        stream.Published += (_, e) => seen.Add(((HealthChangedEvent)e).Check);
        for (int i = 0; i < 3; i++)
        {
            stream.Publish(new HealthChangedEvent(DateTimeOffset.UnixEpoch, $"c{i}", VirtualIp.Health.HealthState.Unknown, VirtualIp.Health.HealthState.Up, null));
        }

        await stream.FlushAsync();
        Assert.Equal(["c0", "c1", "c2"], seen);
        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public async Task Audit_lines_are_appended_by_a_background_writer_in_order()
    {
        var path = Path.Combine(Path.GetTempPath(), $"virtualip-audit-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using (var audit = new AuditTrail(path, NullLogger.Instance))
            {
                audit.Write(new RouterConflictEvent(DateTimeOffset.UnixEpoch, "web", 51, IPAddress.Parse("192.0.2.66"), 50, RouterConflictKind.SecondMaster, VrrpState.Master));
                audit.Write(new VipConflictEvent(DateTimeOffset.UnixEpoch, "eth0", IPAddress.Parse("192.0.2.100"), Addressing.MacAddress.Parse("02:00:00:00:00:66"), "web", true));
                await audit.FlushAsync();
            }

            var lines = await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken);
            Assert.Equal(2, lines.Length);
            Assert.Contains("\"kind\":\"router-conflict\"", lines[0]);
            Assert.Contains("\"source\":\"192.0.2.66\"", lines[0]);
            Assert.Contains("\"kind\":\"vip-conflict\"", lines[1]);
            Assert.Contains("\"foreignMac\":\"02:00:00:00:00:66\"", lines[1]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Notify_commands_of_one_router_never_overlap_and_the_latest_state_wins()
    {
        // Fault stopped: notify commands started concurrently per transition and could finish out of order
        // (a "BACKUP" script finishing after the later "MASTER" one).
        TestEnvironment.Require(File.Exists("/bin/sh"), "needs /bin/sh");
        var log = Path.Combine(Path.GetTempPath(), $"virtualip-notify-{Guid.NewGuid():N}.log");
        try
        {
            var runner = new NotifyRunner(new NotifyOptions { Any = $"{{ echo start $3 >> {log}; sleep 0.2; echo end $3 >> {log}; }}; true" }, NullLogger.Instance);
            var states = new[] { VrrpState.Master, VrrpState.Backup, VrrpState.Master, VrrpState.Backup, VrrpState.Fault, VrrpState.Master };
            foreach (var s in states)
            {
                runner.Enqueue(new VrrpStateChangedEventArgs("web", 51, false, VrrpState.Backup, s, VrrpTransitionReason.Startup, null, 100, DateTimeOffset.UnixEpoch));
            }

            await runner.WhenIdle.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            var lines = await File.ReadAllLinesAsync(log, TestContext.Current.CancellationToken);
            for (int i = 0; i < lines.Length; i += 2)
            {
                Assert.StartsWith("start ", lines[i]);
                Assert.Equal("end " + lines[i][6..], lines[i + 1]); // never interleaved
            }

            Assert.Equal("end MASTER", lines[^1]); // the latest state's command ran last
            Assert.True(lines.Length <= 4, string.Join(" | ", lines)); // the ones in between were superseded
            Assert.True(runner.Superseded >= 4);
        }
        finally
        {
            File.Delete(log);
        }
    }
}
