using System.Net;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Addressing;
using VirtualIp.Binding;

namespace VirtualIp.Tests.Binding;

public class VipGuardTests
{
    private static readonly VipAddress Vip = VipAddress.Parse("192.0.2.200/24");

    [Fact]
    public async Task DeletedVip_IsReportedAndRestoredAfterTheDelay()
    {
        var time = new FakeTimeProvider();
        var binder = new FakeBinder();
        var watcher = new FakeWatcher();
        await using var guard = new VipGuard(binder, watcher, "eth0", new VipGuardOptions { RestoreDelay = TimeSpan.FromMilliseconds(100) }, time);
        var deleted = new List<VipAddress>();
        var restored = new List<VipAddress>();
        guard.Deleted += (_, e) => deleted.Add(e.Vip);
        guard.Restored += (_, e) => restored.Add(e.Vip);
        binder.Addresses.Add(Vip); // bound before the guard starts (not through AddAsync: AddCalls counts the guard's calls only)
        guard.Hold(Vip);
        await guard.StartAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromMilliseconds(100));
        await guard.WhenIdle;
        Assert.Equal(0, binder.AddCalls); // the initial check found it present: nothing to restore

        binder.Addresses.Clear(); // someone else deletes it
        watcher.Raise(AddressChangeKind.AddressRemoved, 2, Vip.Address, 24);
        Assert.Equal([Vip], deleted);
        Assert.Empty(restored);

        time.Advance(TimeSpan.FromMilliseconds(99));
        await guard.WhenIdle;
        Assert.Empty(restored);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await guard.WhenIdle;
        Assert.Equal([Vip], restored);
        Assert.Equal(1, binder.AddCalls); // exactly one restore
        Assert.Contains(binder.Addresses, a => a.Equals(Vip));
    }

    [Fact]
    public async Task RestoreDeletedFalse_OnlyReports()
    {
        var time = new FakeTimeProvider();
        var binder = new FakeBinder();
        var watcher = new FakeWatcher();
        await using var guard = new VipGuard(binder, watcher, "eth0", new VipGuardOptions { RestoreDeleted = false }, time);
        int deleted = 0;
        guard.Deleted += (_, _) => deleted++;
        guard.Hold(Vip);
        await guard.StartAsync(TestContext.Current.CancellationToken);
        watcher.Raise(AddressChangeKind.AddressRemoved, 2, Vip.Address, 24);
        time.Advance(TimeSpan.FromSeconds(10));
        await guard.WhenIdle;
        Assert.Equal(1, deleted);
        Assert.Equal(0, binder.AddCalls);
    }

    [Fact]
    public async Task OtherInterfaceOrOtherAddressOrReleasedVip_IsIgnored()
    {
        var time = new FakeTimeProvider();
        var binder = new FakeBinder();
        var watcher = new FakeWatcher();
        await using var guard = new VipGuard(binder, watcher, "eth0", null, time);
        int deleted = 0;
        guard.Deleted += (_, _) => deleted++;
        guard.Hold(Vip);
        await guard.StartAsync(TestContext.Current.CancellationToken);
        watcher.Raise(AddressChangeKind.AddressRemoved, 3, Vip.Address, 24);           // other interface
        watcher.Raise(AddressChangeKind.AddressRemoved, 2, IPAddress.Parse("192.0.2.9"), 24); // other address
        watcher.Raise(AddressChangeKind.AddressRemoved, 2, Vip.Address, 32);           // other prefix
        Assert.True(guard.Release(Vip));
        watcher.Raise(AddressChangeKind.AddressRemoved, 2, Vip.Address, 24);           // released
        Assert.Equal(0, deleted);
    }

    [Fact]
    public async Task Resync_ChecksAndRestoresMissingVipsOnce()
    {
        var time = new FakeTimeProvider();
        var binder = new FakeBinder();
        var watcher = new FakeWatcher();
        await using var guard = new VipGuard(binder, watcher, "eth0", new VipGuardOptions { RestoreDelay = TimeSpan.FromMilliseconds(50) }, time);
        guard.Hold(Vip);
        await guard.StartAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromMilliseconds(50));
        await guard.WhenIdle;
        Assert.Equal(1, binder.AddCalls); // was missing at start: restored
        binder.Addresses.Clear();
        for (int i = 0; i < 5; i++)
        {
            watcher.Raise(AddressChangeKind.Resync, 0, null, 0);
        }

        time.Advance(TimeSpan.FromMilliseconds(50));
        await guard.WhenIdle;
        Assert.Equal(2, binder.AddCalls); // debounced: one check for five resyncs
    }

    [Fact]
    public async Task FailedRestore_RaisesRestoreFailed()
    {
        var time = new FakeTimeProvider();
        var binder = new FakeBinder { FailAdds = true };
        var watcher = new FakeWatcher();
        await using var guard = new VipGuard(binder, watcher, "eth0", null, time);
        var failures = new List<Exception?>();
        guard.RestoreFailed += (_, e) => failures.Add(e.Error);
        guard.Hold(Vip);
        await guard.StartAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(1));
        await guard.WhenIdle;
        var ex = Assert.IsType<VipBindingException>(Assert.Single(failures));
        Assert.Equal(1, ex.ErrorCode);
    }

    [Fact]
    public void NegativeDelay_IsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new VipGuard(new FakeBinder(), new FakeWatcher(), "eth0", new VipGuardOptions { RestoreDelay = TimeSpan.FromSeconds(-1) }));

    private sealed class FakeWatcher : IAddressWatcher
    {
        public event EventHandler<AddressChangedEventArgs>? Changed;

        public void Raise(AddressChangeKind kind, int index, IPAddress? address, int prefix) =>
            Changed?.Invoke(this, new AddressChangedEventArgs(kind, index, null, address, prefix));

        public ValueTask StartAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>
    /// Attack/fault stopped: the guard's check-then-add raced with a router stepping down, so a VIP removed by the
    /// router could be put back by the guard on a node that is no longer master (two nodes answering for the VIP).
    /// </summary>
    [Fact]
    public async Task ReleaseAsync_waits_for_a_restore_in_flight_so_a_stepping_down_node_does_not_get_the_vip_back()
    {
        var time = new FakeTimeProvider();
        var binder = new FakeBinder();
        var watcher = new FakeWatcher();
        await using var guard = new VipGuard(binder, watcher, "eth0", new VipGuardOptions { RestoreDelay = TimeSpan.FromMilliseconds(10) }, time);
        guard.Hold(Vip);
        await guard.StartAsync(TestContext.Current.CancellationToken);

        // The VIP is deleted behind our back; the guard starts putting it back, and the kernel is slow.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        binder.AddGate = gate.Task;
        watcher.Raise(AddressChangeKind.AddressRemoved, 2, Vip.Address, 24);
        time.Advance(TimeSpan.FromMilliseconds(10));
        await binder.AddStarted.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        // Meanwhile the router steps down: release, then remove (what ObservedBinder does).
        var release = guard.ReleaseAsync(Vip, TestContext.Current.CancellationToken).AsTask();
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(release.IsCompleted); // it waits for the restore in flight
        gate.SetResult();
        Assert.True(await release);
        await binder.RemoveAsync("eth0", Vip, TestContext.Current.CancellationToken);
        await guard.WhenIdle;

        time.Advance(TimeSpan.FromSeconds(1));
        await guard.WhenIdle;
        Assert.DoesNotContain(Vip, binder.Addresses);
        Assert.Empty(guard.Held);
    }

    private sealed class FakeBinder : IVipBinder
    {
        public List<VipAddress> Addresses { get; } = [];

        public int AddCalls { get; private set; }

        public bool FailAdds { get; init; }

        /// <summary>When set, adds wait for it (a slow kernel); <see cref="AddStarted"/> completes when one is waiting.</summary>
        public Task? AddGate { get; set; }

        public TaskCompletionSource AddStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<bool> AddAsync(string interfaceName, VipAddress vip, VipBindOptions? options = null, CancellationToken cancellationToken = default) =>
            AddGate is { } gate ? SlowAddAsync(gate, vip) : AddCore(vip);

        private async ValueTask<bool> SlowAddAsync(Task gate, VipAddress vip)
        {
            AddStarted.TrySetResult();
            await gate;
            return await AddCore(vip);
        }

        private ValueTask<bool> AddCore(VipAddress vip)
        {
            AddCalls++;
            if (FailAdds)
            {
                throw new VipBindingException("nope", 1, "needs CAP_NET_ADMIN");
            }

            if (Addresses.Contains(vip))
            {
                return new(false);
            }

            Addresses.Add(vip);
            return new(true);
        }

        public ValueTask<bool> RemoveAsync(string interfaceName, VipAddress vip, CancellationToken cancellationToken = default) => new(Addresses.Remove(vip));

        public ValueTask<IReadOnlyList<BoundAddress>> ListAsync(string interfaceName, CancellationToken cancellationToken = default) =>
            new(Addresses.Select(v => new BoundAddress(v.Address, v.PrefixLength, 2, null, 0, true)).ToList());

        public ValueTask<IReadOnlyList<BoundAddress>> RemoveStaleAsync(string interfaceName, IReadOnlyCollection<VipAddress>? keep = null, CancellationToken cancellationToken = default) =>
            new(Array.Empty<BoundAddress>());

        public ValueTask<InterfaceInfo> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default) =>
            new(new InterfaceInfo(interfaceName, 2, MacAddress.Parse("02:00:00:00:00:01"), 1500, true, null, null));
    }
}
