using System.Collections.Concurrent;
using System.Net;
using VirtualIp.Binding;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Linux.Netlink;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Linux;

public class NetlinkAddressWatcherTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A lab with one node (skips without root and ip).</summary>
    private static Task<NetnsLab> OneNodeLabAsync()
    {
        TestEnvironment.RequireRootAndTools("ip");
        return NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 1 }, Ct);
    }

    /// <summary>Runs <c>ip ARGS</c> in the node's namespace and requires exit code 0.</summary>
    private static async Task IpAsync(LabNode node, params string[] args) => (await NetnsLab.ExecAsync(node, ["ip", .. args])).EnsureSuccess();

    private static async Task<NetlinkAddressWatcher> StartWatcherAsync(LabNode node, Recorder recorder) =>
        await StartWatcherAsync(node, recorder.On);

    private static async Task<NetlinkAddressWatcher> StartWatcherAsync(LabNode node, EventHandler<AddressChangedEventArgs>? changed = null, NetlinkWatcherOptions? options = null) =>
        await NetnsLab.RunInAsync(node, () =>
        {
            var w = new NetlinkAddressWatcher(options);
            // StartAsync creates the sockets synchronously, on this thread, in this namespace.
            w.StartAsync().AsTask().GetAwaiter().GetResult();
            if (changed is not null)
            {
                w.Changed += changed; // after the start, as a caller's own subscription would be
            }

            return w;
        });

    private sealed class Recorder
    {
        private readonly ConcurrentQueue<AddressChangedEventArgs> _events = new();
        private readonly SemaphoreSlim _signal = new(0);

        public void On(object? sender, AddressChangedEventArgs e)
        {
            _events.Enqueue(e);
            _signal.Release();
        }

        public IReadOnlyCollection<AddressChangedEventArgs> All => [.. _events];

        public Task<AddressChangedEventArgs> WaitForAddressAsync(AddressChangeKind kind, string address) =>
            WaitAsync(e => e.Kind == kind && e.Address!.Equals(IPAddress.Parse(address)));

        public async Task<AddressChangedEventArgs> WaitAsync(Func<AddressChangedEventArgs, bool> match)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            cts.CancelAfter(Timeout);
            while (true)
            {
                var hit = _events.FirstOrDefault(match);
                if (hit is not null)
                {
                    return hit;
                }

                try
                {
                    await _signal.WaitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException("Event not seen; got: " + string.Join("; ", _events.Select(e => $"{e.Kind} {e.InterfaceName}/{e.InterfaceIndex} {e.Address}/{e.PrefixLength}")));
                }
            }
        }
    }

    [Fact]
    public async Task AddressAddedAndRemoved_AreReportedForIPv4AndIPv6()
    {
        await using var lab = await OneNodeLabAsync();
        var n1 = lab.Node(1);
        var rec = new Recorder();
        await using var watcher = await StartWatcherAsync(n1, rec);

        await IpAsync(n1, "addr", "add", "192.0.2.150/24", "dev", "eth0");
        await IpAsync(n1, "addr", "add", "2001:db8::150/64", "dev", "eth0", "nodad");
        var added4 = await rec.WaitForAddressAsync(AddressChangeKind.AddressAdded, "192.0.2.150");
        Assert.Equal(24, added4.PrefixLength);
        Assert.Equal("eth0", added4.InterfaceName);
        await rec.WaitAsync(e => e.Kind == AddressChangeKind.AddressAdded && e.Address!.Equals(IPAddress.Parse("2001:db8::150")) && e.PrefixLength == 64);

        await IpAsync(n1, "addr", "del", "192.0.2.150/24", "dev", "eth0");
        await IpAsync(n1, "addr", "del", "2001:db8::150/64", "dev", "eth0");
        await rec.WaitForAddressAsync(AddressChangeKind.AddressRemoved, "192.0.2.150");
        await rec.WaitForAddressAsync(AddressChangeKind.AddressRemoved, "2001:db8::150");
    }

    [Fact]
    public async Task AnUnexpectedFailure_RestartsTheLoop_WithAResync_AndItKeepsWatching()
    {
        // Read from the code (issue 11): an unexpected exception ended the watcher for good; VipGuard and link
        // tracking then went blind without a word.
        await using var lab = await OneNodeLabAsync();
        var n1 = lab.Node(1);
        await using var watcher = await StartWatcherAsync(n1);
        int failures = 1;
        watcher.BeforeProcessForTests = () =>
        {
            if (Interlocked.Decrement(ref failures) == 0)
            {
                throw new InvalidOperationException("injected failure");
            }
        };
        var rec = new Recorder();
        watcher.Changed += rec.On;

        await IpAsync(n1, "addr", "add", "192.0.2.151/24", "dev", "eth0"); // the loop fails on this one
        await rec.WaitAsync(e => e.Kind == AddressChangeKind.Resync);
        Assert.Equal(1, watcher.RestartCount);
        await IpAsync(n1, "addr", "add", "192.0.2.152/24", "dev", "eth0");
        await rec.WaitForAddressAsync(AddressChangeKind.AddressAdded, "192.0.2.152");
    }

    [Fact]
    public async Task LinkDownAndUp_AreReportedOnce()
    {
        await using var lab = await OneNodeLabAsync();
        var n1 = lab.Node(1);
        var rec = new Recorder();
        await using var watcher = await StartWatcherAsync(n1, rec);

        await IpAsync(n1, "link", "set", "eth0", "down");
        var down = await rec.WaitAsync(e => e.Kind == AddressChangeKind.LinkDown);
        Assert.Equal("eth0", down.InterfaceName);
        await IpAsync(n1, "link", "set", "eth0", "up");
        await rec.WaitAsync(e => e.Kind == AddressChangeKind.LinkUp && e.InterfaceName == "eth0");

        // Carrier loss (the switch side goes down) is a link-down too.
        (await NetnsLab.IpRawAsync(Ct, "-n", lab.Switch, "link", "set", n1.SwitchPort, "down")).EnsureSuccess();
        await rec.WaitAsync(e => e.Kind == AddressChangeKind.LinkDown && e.InterfaceName == "eth0" && rec.All.Count(x => x.Kind == AddressChangeKind.LinkDown) == 2);
        Assert.Single(rec.All, e => e.Kind == AddressChangeKind.LinkUp);
    }

    [Fact]
    public async Task Overflow_RaisesResync_GrowsTheBuffer_AndKeepsWatching()
    {
        await using var lab = await OneNodeLabAsync();
        var n1 = lab.Node(1);
        await using var watcher = await StartWatcherAsync(n1, options: new NetlinkWatcherOptions { ReceiveBufferSize = 4096 });
        int initial = watcher.ReceiveBufferSize;
        var rec = new Recorder();
        using var release = new ManualResetEventSlim();
        int first = 0;
        watcher.Changed += (s, e) =>
        {
            // Hold the receive loop on the first event so the burst below overflows the small socket buffer.
            if (Interlocked.Exchange(ref first, 1) == 0)
            {
                release.Wait(Timeout);
            }

            rec.On(s, e);
        };

        var batch = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(
                batch,
                Enumerable.Range(1, 240).Select(i => $"addr add 198.51.100.{i}/32 dev eth0")
                    .Concat(Enumerable.Range(1, 300).Select(i => $"addr add 2001:db8:1::{i:x}/128 dev eth0 nodad")),
                Ct);
            await IpAsync(n1, "addr", "add", "198.51.100.254/32", "dev", "eth0");
            await IpAsync(n1, "-batch", batch);
        }
        finally
        {
            File.Delete(batch);
            release.Set();
        }

        await rec.WaitAsync(e => e.Kind == AddressChangeKind.Resync);
        Assert.True(watcher.OverflowCount >= 1);
        Assert.True(watcher.ReceiveBufferSize > initial);

        await IpAsync(n1, "addr", "add", "192.0.2.222/24", "dev", "eth0");
        await rec.WaitForAddressAsync(AddressChangeKind.AddressAdded, "192.0.2.222");
    }

    [Fact]
    public async Task Dispose_ReturnsPromptlyWhileReceiving()
    {
        await using var lab = await OneNodeLabAsync();
        var watcher = await StartWatcherAsync(lab.Node(1));
        await Task.Delay(50, Ct);
        await watcher.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5), Ct);
        await watcher.DisposeAsync(); // idempotent
    }
}
