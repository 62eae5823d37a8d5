using System.Diagnostics;
using VirtualIp.Addressing;
using VirtualIp.Binding;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Linux.Netlink;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Linux;

public class VipGuardIntegrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("192.0.2.100/24")]
    [InlineData("2001:db8::100/64")]
    public async Task VipDeletedBehindOurBack_IsReportedAndRestoredPromptly(string text)
    {
        TestEnvironment.RequireRootAndTools("ip");
        var vip = VipAddress.Parse(text);
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 1 }, Ct);
        var n1 = lab.Node(1);
        await using var guarded = await GuardedNode.StartAsync(n1);
        var (binder, guard) = (guarded.Binder, guarded.Guard);
        var deleted = new TaskCompletionSource<VipAddress>(TaskCreationOptions.RunContinuationsAsynchronously);
        var restored = new TaskCompletionSource<VipAddress>(TaskCreationOptions.RunContinuationsAsynchronously);
        long deletedAt = 0, restoredAt = 0;
        guard.Deleted += (_, e) => { deletedAt = Stopwatch.GetTimestamp(); deleted.TrySetResult(e.Vip); };
        guard.Restored += (_, e) => { restoredAt = Stopwatch.GetTimestamp(); restored.TrySetResult(e.Vip); };

        Assert.True(await binder.AddAsync("eth0", vip, cancellationToken: Ct));
        guard.Hold(vip);
        await guard.StartAsync(Ct);

        // The clock starts when the kernel's RTM_DELADDR reached the guard (not at the `ip` spawn, which a busy
        // machine can delay by seconds). Bound: RestoreDelay (20 ms) + one netlink round trip, with a stated
        // margin of 500 ms for a loaded 2-core machine; a guard that waited a refresh period or missed the
        // event would take far longer.
        (await NetnsLab.ExecAsync(n1, "ip", "addr", "del", text, "dev", "eth0")).EnsureSuccess();
        Assert.Equal(vip, await deleted.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(vip, await restored.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        var took = Stopwatch.GetElapsedTime(deletedAt, restoredAt);
        Assert.InRange(took, TimeSpan.Zero, TimeSpan.FromMilliseconds(20 + 500));
        var shown = (await NetnsLab.ExecAsync(n1, "ip", "addr", "show", "dev", "eth0")).EnsureSuccess().StdOut;
        Assert.Contains(text, shown);
    }

    [Fact]
    public async Task ReleasedVip_IsNotPutBack()
    {
        TestEnvironment.RequireRootAndTools("ip");
        var vip = VipAddress.Parse("192.0.2.100/24");
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 1 }, Ct);
        var n1 = lab.Node(1);
        await using var guarded = await GuardedNode.StartAsync(n1);
        var (binder, guard) = (guarded.Binder, guarded.Guard);
        var sentinel = VipAddress.Parse("192.0.2.101/24");
        int deleted = 0;
        var sentinelRestored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        guard.Deleted += (_, e) =>
        {
            if (e.Vip.Equals(vip))
            {
                Interlocked.Increment(ref deleted);
            }
        };
        guard.Restored += (_, e) =>
        {
            if (e.Vip.Equals(sentinel))
            {
                sentinelRestored.TrySetResult();
            }
        };
        await binder.AddAsync("eth0", vip, cancellationToken: Ct);
        await binder.AddAsync("eth0", sentinel, cancellationToken: Ct);
        guard.Hold(vip);
        guard.Hold(sentinel);
        await guard.StartAsync(Ct);

        Assert.True(guard.Release(vip));
        Assert.True(await binder.RemoveAsync("eth0", vip, Ct));
        // No sleep: a held sentinel deleted after it. The kernel reports both deletions in order on the same
        // socket, so once the sentinel is restored the released VIP's deletion has been seen (and ignored).
        Assert.True(await binder.RemoveAsync("eth0", sentinel, Ct));
        await sentinelRestored.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(0, Volatile.Read(ref deleted));
        Assert.DoesNotContain(await binder.ListAsync("eth0", Ct), a => a.Address.Equals(vip.Address));
    }

    /// <summary>A netlink binder and a started address watcher in the node's namespace, and a VipGuard (20 ms restore delay) over them on eth0.</summary>
    private sealed class GuardedNode : IAsyncDisposable
    {
        private readonly NetlinkAddressWatcher _watcher;

        private GuardedNode(NetlinkVipBinder binder, NetlinkAddressWatcher watcher)
        {
            Binder = binder;
            _watcher = watcher;
            Guard = new VipGuard(binder, watcher, "eth0", new VipGuardOptions { RestoreDelay = TimeSpan.FromMilliseconds(20) });
        }

        public NetlinkVipBinder Binder { get; }

        public VipGuard Guard { get; }

        public static async Task<GuardedNode> StartAsync(LabNode node)
        {
            var (binder, watcher) = await NetnsLab.RunInAsync(node, () =>
            {
                var b = new NetlinkVipBinder();
                var w = new NetlinkAddressWatcher();
                w.StartAsync().AsTask().GetAwaiter().GetResult();
                return (b, w);
            });
            return new GuardedNode(binder, watcher);
        }

        public async ValueTask DisposeAsync()
        {
            await Guard.DisposeAsync();
            await _watcher.DisposeAsync();
            Binder.Dispose();
        }
    }
}
