using VirtualIp.Addressing;
using VirtualIp.Election;
using VirtualIp.Events;
using VirtualIp.Health;

namespace VirtualIp.Tests.Events;

/// <summary>The event stream on its own: ordering, isolation between subscribers, back-pressure, completion.</summary>
public sealed class EventStreamTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static VirtualIpEvent Numbered(int i) => new PriorityChangedEvent(T0.AddSeconds(i), "web", i, false, $"#{i}");

    private static int NumberOf(VirtualIpEvent e) => ((PriorityChangedEvent)e).Priority;

    private static List<VirtualIpEvent> Drain(System.Threading.Channels.ChannelReader<VirtualIpEvent> reader)
    {
        var list = new List<VirtualIpEvent>();
        while (reader.TryRead(out var e))
        {
            list.Add(e);
        }

        return list;
    }

    [Fact]
    public async Task Subscribers_see_every_later_event_in_publish_order_and_handlers_run_off_the_publisher()
    {
        var stream = new VirtualIpEventStream();
        stream.Publish(Numbered(-1)); // before anyone subscribed: nobody gets it
        await stream.FlushAsync();
        var reader = stream.Subscribe(TestContext.Current.CancellationToken);
        var handled = new List<int>();
        using var gate = new ManualResetEventSlim();
        stream.Published += (_, e) =>
        {
            gate.Wait(TimeSpan.FromSeconds(30)); // a slow handler
            handled.Add(NumberOf(e));
        };
        for (int i = 0; i < 100; i++)
        {
            stream.Publish(Numbered(i)); // queued: the slow handler never holds up the engine that publishes
        }

        Assert.Empty(handled); // all 100 published while the handler is still stuck on the first
        gate.Set();
        await stream.FlushAsync();
        Assert.Equal(Enumerable.Range(0, 100), handled); // in publish order, each once
        Assert.Equal(Enumerable.Range(0, 100), Drain(reader).Select(NumberOf));
    }

    [Fact]
    public async Task Subscribers_are_isolated_a_slow_or_cancelled_one_does_not_affect_the_others()
    {
        var stream = new VirtualIpEventStream();
        using var cancelA = new CancellationTokenSource();
        var a = stream.Subscribe(cancelA.Token);
        var b = stream.Subscribe(TestContext.Current.CancellationToken);
        stream.Publish(Numbered(1));
        await stream.FlushAsync();
        await cancelA.CancelAsync();
        stream.Publish(Numbered(2));
        await stream.FlushAsync();

        Assert.Equal([1], Drain(a).Select(NumberOf)); // what it had before cancelling, then completed
        Assert.True(a.Completion.IsCompleted);
        Assert.Equal([1, 2], Drain(b).Select(NumberOf));
        Assert.False(b.Completion.IsCompleted);
    }

    [Fact]
    public async Task A_reader_that_falls_behind_keeps_the_newest_1024_and_publishing_never_blocks()
    {
        var stream = new VirtualIpEventStream();
        var slow = stream.Subscribe(TestContext.Current.CancellationToken);
        var fast = stream.Subscribe(TestContext.Current.CancellationToken);
        var fastSeen = new List<int>();
        for (int i = 0; i < 1100; i++)
        {
            stream.Publish(Numbered(i)); // returns at once even though "slow" never reads
            await stream.FlushAsync();
            fastSeen.AddRange(Drain(fast).Select(NumberOf));
        }

        var kept = Drain(slow).Select(NumberOf).ToList();
        Assert.Equal(1024, kept.Count);
        Assert.Equal(Enumerable.Range(1100 - 1024, 1024), kept); // the oldest 76 were dropped, order kept
        Assert.Equal(Enumerable.Range(0, 1100), fastSeen);       // the other reader lost nothing
    }

    [Fact]
    public async Task Complete_ends_every_reader_after_what_it_holds()
    {
        var stream = new VirtualIpEventStream();
        var r = stream.Subscribe(TestContext.Current.CancellationToken);
        stream.Publish(new VipBindingChangedEvent(T0, "eth0", VipAddress.Parse("192.0.2.100/24"), true, "master"));
        stream.Publish(new HealthChangedEvent(T0, "app", HealthState.Up, HealthState.Down, "timeout"));
        stream.Complete();
        var all = await r.ReadAllAsync(TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Collection(all, e => Assert.IsType<VipBindingChangedEvent>(e), e => Assert.IsType<HealthChangedEvent>(e));
    }

    [Fact]
    public void Audit_json_names_the_kind_and_fields_of_each_event()
    {
        var cases = new (VirtualIpEvent Event, string Kind, string Field)[]
        {
            (new RouterStateChangedEvent(T0, "web", 51, VrrpState.Backup, VrrpState.Master, VrrpTransitionReason.MasterDownTimer, 100, null, null), "state-changed", "\"to\":\"Master\""),
            (new VipBindingChangedEvent(T0, "eth0", VipAddress.Parse("192.0.2.100/24"), true, "master"), "vip-added", "192.0.2.100/24"),
            (new VipBindingChangedEvent(T0, "eth0", VipAddress.Parse("192.0.2.100/24"), false, "backup"), "vip-removed", "192.0.2.100/24"),
            (new HealthChangedEvent(T0, "app", HealthState.Up, HealthState.Down, "timeout"), "health", "app"),
            (new PriorityChangedEvent(T0, "web", 90, false, "check app failed"), "priority", "90"),
        };
        foreach (var (e, kind, field) in cases)
        {
            var json = AuditTrail.ToJson(e, "node1");
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            Assert.Contains($"\"kind\":\"{kind}", json, StringComparison.Ordinal);
            Assert.Contains(field, json, StringComparison.Ordinal);
            Assert.Contains("node1", json, StringComparison.Ordinal);
        }
    }
}
