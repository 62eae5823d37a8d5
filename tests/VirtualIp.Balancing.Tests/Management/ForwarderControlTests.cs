using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Balancing.Management;
using VirtualIp.Balancing.Tests.Forwarding;
using static VirtualIp.Balancing.Tests.Forwarding.ForwarderFixture;

namespace VirtualIp.Balancing.Tests.Management;

/// <summary>The runtime management of one forwarder (<see cref="IForwarderControl"/>), on loopback sockets.</summary>
public sealed class ForwarderControlTests
{
    [Fact]
    public async Task Added_backend_takes_new_connections_and_is_listed_with_its_weight()
    {
        await using var a = new EchoServer(prefix: (byte)'A');
        await using var b = new EchoServer(prefix: (byte)'B');
        await using var f = await StartTcpAsync(Options(a.Address));
        var control = new ForwarderControl(f, f.Core);

        var added = await control.AddBackendAsync(new ForwarderBackendOptions { Address = b.Address, Name = "b", Weight = 3 }, TestContext.Current.CancellationToken);

        Assert.Equal(("b", 3, true, false, 0), (added.Name, added.Weight, added.IsHealthy, added.IsDraining, added.ActiveConnections));
        Assert.Equal([a.Address, "b"], control.GetBackends().Select(s => s.Name));
        var seen = new HashSet<byte>();
        for (int i = 0; i < 4; i++)
        {
            using var c = await ConnectAsync(f.LocalEndPoint);
            seen.Add((await ReceiveExactlyAsync(c, 1))[0]);
        }

        Assert.Equal([(byte)'A', (byte)'B'], seen.Order());
    }

    [Fact]
    public async Task Misuse_throws_naming_the_bad_value()
    {
        await using var a = new EchoServer();
        await using var f = await StartTcpAsync(Options(a.Address));
        var control = new ForwarderControl(f, f.Core);
        var ct = TestContext.Current.CancellationToken;

        var dup = await Assert.ThrowsAsync<InvalidOperationException>(() => control.AddBackendAsync(new ForwarderBackendOptions { Address = a.Address }, ct));
        Assert.Contains($"'{a.Address}'", dup.Message, StringComparison.Ordinal);
        var bad = await Assert.ThrowsAsync<ArgumentException>(() => control.AddBackendAsync(new ForwarderBackendOptions { Address = "nowhere" }, ct));
        Assert.Contains("'nowhere'", bad.Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<KeyNotFoundException>(() => control.SetWeight("ghost", 2));
        Assert.Contains("'ghost'", unknown.Message, StringComparison.Ordinal);
        var weight = Assert.Throws<ArgumentOutOfRangeException>(() => control.SetWeight(a.Address, 0));
        Assert.Equal(0, weight.ActualValue);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => control.DrainBackendAsync(a.Address, TimeSpan.FromSeconds(-1), ct));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => control.RemoveBackendAsync("ghost", TimeSpan.Zero, ct));
    }

    [Fact]
    public async Task A_weight_change_keeps_the_connections_health_and_name_of_the_backend()
    {
        await using var a = new EchoServer(prefix: (byte)'A');
        await using var f = await StartTcpAsync(Options(a.Address));
        var control = new ForwarderControl(f, f.Core);
        using var open = await ConnectAsync(f.LocalEndPoint);
        await ReceiveExactlyAsync(open, 1);
        var old = f.Scheduler.Backends[0];
        f.Core.HealthFlags.Set(old, HealthSignal.Passive, down: true);

        var status = control.SetWeight(a.Address, 7);

        var now = f.Scheduler.Backends[0];
        Assert.NotSame(old, now);
        Assert.Equal((7, false, 1), (status.Weight, status.IsHealthy, status.ActiveConnections)); // the open connection still counts
        // A late signal for the old instance (a passive-health reactivation timer) lands on the new one.
        f.Core.HealthFlags.Set(old, HealthSignal.Passive, down: false);
        Assert.True(now.IsHealthy);
        await open.SendAsync("x"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.Equal("x"u8.ToArray(), await ReceiveExactlyAsync(open, 1));
    }

    [Fact]
    public async Task Drain_cuts_what_is_left_at_the_deadline_and_resume_brings_the_backend_back()
    {
        await using var a = new EchoServer(prefix: (byte)'A');
        await using var b = new EchoServer(prefix: (byte)'B');
        var time = new FakeTimeProvider();
        await using var f = await StartTcpAsync(Options(a.Address, b.Address), time);
        var control = new ForwarderControl(f, f.Core);
        using var onA = await ConnectAsync(f.LocalEndPoint);
        Assert.Equal((byte)'A', (await ReceiveExactlyAsync(onA, 1))[0]);

        var drain = control.DrainBackendAsync(a.Address, TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Throws<InvalidOperationException>(() => control.ResumeBackend(a.Address)); // not while the drain runs
        Assert.True(control.GetBackends()[0].IsDraining);
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.False(await drain.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.True(await IsClosedAsync(onA));
        Assert.True(control.GetBackends()[0].IsDraining); // stays drained until resumed
        Assert.False(control.ResumeBackend(a.Address).IsDraining);
        var seen = new HashSet<byte>();
        for (int i = 0; i < 4; i++)
        {
            using var c = await ConnectAsync(f.LocalEndPoint);
            seen.Add((await ReceiveExactlyAsync(c, 1))[0]);
        }

        Assert.Contains((byte)'A', seen);
    }

    [Fact]
    public async Task A_removed_backend_is_listed_as_removing_until_its_connections_end()
    {
        await using var a = new EchoServer(prefix: (byte)'A');
        await using var b = new EchoServer(prefix: (byte)'B');
        await using var f = await StartTcpAsync(Options(a.Address, b.Address));
        var control = new ForwarderControl(f, f.Core);
        var onA = await ConnectAsync(f.LocalEndPoint);
        Assert.Equal((byte)'A', (await ReceiveExactlyAsync(onA, 1))[0]);

        var remove = control.RemoveBackendAsync(a.Address, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(1, f.Scheduler.Backends.Count);
        var listed = control.GetBackends();
        Assert.Equal([(b.Address, false), (a.Address, true)], listed.Select(s => (s.Name, s.IsRemoving)));
        Assert.Equal(1, listed[1].ActiveConnections);
        using (var c = await ConnectAsync(f.LocalEndPoint))
        {
            Assert.Equal((byte)'B', (await ReceiveExactlyAsync(c, 1))[0]);
        }

        await onA.SendAsync("y"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken); // still served
        Assert.Equal("y"u8.ToArray(), await ReceiveExactlyAsync(onA, 1));
        onA.Dispose();
        Assert.True(await remove.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal([b.Address], control.GetBackends().Select(s => s.Name));
    }
}
