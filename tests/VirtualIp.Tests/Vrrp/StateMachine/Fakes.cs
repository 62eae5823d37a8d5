using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Announcing;
using VirtualIp.Binding;

namespace VirtualIp.Tests.Vrrp.StateMachine;

/// <summary>An in-memory binder that records what is bound, with optional failures.</summary>
internal sealed class FakeVipBinder : IVipBinder
{
    private readonly object _sync = new();
    private readonly HashSet<VipAddress> _bound = [];

    public List<string> Calls { get; } = [];

    public Exception? FailAddWith { get; set; }

    public int StaleCalls { get; private set; }

    public bool IsBound(VipAddress vip)
    {
        lock (_sync)
        {
            return _bound.Contains(vip);
        }
    }

    public string[] CallLog()
    {
        lock (_sync)
        {
            return [.. Calls];
        }
    }

    /// <summary>While set and not completed, every add waits for it (a slow netlink bind).</summary>
    public Task? AddGate { get; set; }

    public ValueTask<bool> AddAsync(string interfaceName, VipAddress vip, VipBindOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (AddGate is { IsCompleted: false } gate)
        {
            return new ValueTask<bool>(AddAfterAsync(gate, vip));
        }

        return AddNow(vip);
    }

    private async Task<bool> AddAfterAsync(Task gate, VipAddress vip)
    {
        await gate.ConfigureAwait(false);
        return await AddNow(vip).ConfigureAwait(false);
    }

    private ValueTask<bool> AddNow(VipAddress vip)
    {
        lock (_sync)
        {
            Calls.Add($"add {vip}");
            if (FailAddWith is { } ex)
            {
                throw ex;
            }

            return ValueTask.FromResult(_bound.Add(vip));
        }
    }

    public ValueTask<bool> RemoveAsync(string interfaceName, VipAddress vip, CancellationToken cancellationToken = default)
    {
        lock (_sync)
        {
            Calls.Add($"remove {vip}");
            return ValueTask.FromResult(_bound.Remove(vip));
        }
    }

    public ValueTask<IReadOnlyList<BoundAddress>> ListAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        lock (_sync)
        {
            return ValueTask.FromResult<IReadOnlyList<BoundAddress>>([.. _bound.Select(v => new BoundAddress(v.Address, v.PrefixLength, 1, null, 0, true))]);
        }
    }

    public ValueTask<IReadOnlyList<BoundAddress>> RemoveStaleAsync(string interfaceName, IReadOnlyCollection<VipAddress>? keep = null, CancellationToken cancellationToken = default)
    {
        lock (_sync)
        {
            StaleCalls++;
            Calls.Add("stale");
            return ValueTask.FromResult<IReadOnlyList<BoundAddress>>([]);
        }
    }

    public ValueTask<InterfaceInfo> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new InterfaceInfo(interfaceName, 1, MacAddress.Zero, 1500, true, IPAddress.Parse("192.0.2.1"), null));
}

/// <summary>Counts active announcement handles.</summary>
internal sealed class FakeAnnouncer : IVipAnnouncer
{
    private int _active;

    public int Active => Volatile.Read(ref _active);

    public int Started { get; private set; }

    public MacAddress? LastMac { get; private set; }

    public IDisposable Start(string interfaceName, IReadOnlyList<VipAddress> vips, MacAddress? sourceMac = null)
    {
        Interlocked.Increment(ref _active);
        Started++;
        LastMac = sourceMac;
        return new Handle(this);
    }

    private sealed class Handle(FakeAnnouncer owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref owner._active);
            }
        }
    }
}
