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
    public async Task VipDeletedBehindOurBack_IsReportedAndRestoredWithinASecond(string text)
    {
        TestEnvironment.RequireRootAndTools("ip");
        var vip = VipAddress.Parse(text);
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 1 }, Ct);
        var n1 = lab.Node(1);
        var (binder, watcher) = await NetnsLab.RunInAsync(n1, () =>
        {
            var b = new NetlinkVipBinder();
            var w = new NetlinkAddressWatcher();
            w.StartAsync().AsTask().GetAwaiter().GetResult();
            return (b, w);
        });
        using var _ = binder;
        await using var __ = watcher;
        await using var guard = new VipGuard(binder, watcher, "eth0", new VipGuardOptions { RestoreDelay = TimeSpan.FromMilliseconds(20) });
        var deleted = new TaskCompletionSource<VipAddress>(TaskCreationOptions.RunContinuationsAsynchronously);
        var restored = new TaskCompletionSource<VipAddress>(TaskCreationOptions.RunContinuationsAsynchronously);
        guard.Deleted += (_, e) => deleted.TrySetResult(e.Vip);
        guard.Restored += (_, e) => restored.TrySetResult(e.Vip);

        Assert.True(await binder.AddAsync("eth0", vip, cancellationToken: Ct));
        guard.Hold(vip);
        await guard.StartAsync(Ct);

        var sw = Stopwatch.StartNew();
        (await NetnsLab.ExecAsync(n1, "ip", "addr", "del", text, "dev", "eth0")).EnsureSuccess();
        Assert.Equal(vip, await deleted.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal(vip, await restored.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"restored after {sw.Elapsed}");
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
        var (binder, watcher) = await NetnsLab.RunInAsync(n1, () =>
        {
            var b = new NetlinkVipBinder();
            var w = new NetlinkAddressWatcher();
            w.StartAsync().AsTask().GetAwaiter().GetResult();
            return (b, w);
        });
        using var _ = binder;
        await using var __ = watcher;
        await using var guard = new VipGuard(binder, watcher, "eth0", new VipGuardOptions { RestoreDelay = TimeSpan.FromMilliseconds(20) });
        int deleted = 0;
        guard.Deleted += (_, _) => Interlocked.Increment(ref deleted);
        await binder.AddAsync("eth0", vip, cancellationToken: Ct);
        guard.Hold(vip);
        await guard.StartAsync(Ct);

        Assert.True(guard.Release(vip));
        Assert.True(await binder.RemoveAsync("eth0", vip, Ct));
        await Task.Delay(300, Ct); // give a wrong restore every chance to happen (bounded, real kernel)
        Assert.Equal(0, Volatile.Read(ref deleted));
        Assert.DoesNotContain(await binder.ListAsync("eth0", Ct), a => a.Address.Equals(vip.Address));
    }
}
