namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// The open TCP connections of one forwarder in a fixed slot array (no allocation per connection), and the one
/// periodic <see cref="TimeProvider"/> timer that enforces the first-byte, idle and half-close timeouts by comparing
/// each connection's last-activity timestamp with the clock. The sweep period is a quarter of the shortest timeout,
/// 10 ms to 1 s, so a timeout fires between its value and its value plus one period.
/// </summary>
internal sealed class TcpConnectionTable : IDisposable
{
    private readonly ITcpConnection?[] _slots;
    private readonly int[] _free;
    private readonly object _gate = new();
    private readonly ITimer _sweeper;
    private readonly TimeProvider _time;
    private int _freeCount;

    public TcpConnectionTable(int capacity, ForwarderOptions options, TimeProvider time)
    {
        _slots = new ITcpConnection?[capacity];
        _free = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            _free[i] = capacity - 1 - i;
        }

        _freeCount = capacity;
        _time = time;
        Period = SweepPeriod(options);
        _sweeper = time.CreateTimer(static o => ((TcpConnectionTable)o!).Sweep(), this, Period, Period);
    }

    /// <summary>How often timeouts are checked.</summary>
    public TimeSpan Period { get; }

    public static TimeSpan SweepPeriod(ForwarderOptions o)
    {
        var shortest = TimeSpan.FromTicks(Math.Min(o.TcpIdleTimeout.Ticks, Math.Min(o.TcpHalfCloseTimeout.Ticks, o.TcpWaitForClientData ? o.TcpFirstByteTimeout.Ticks : long.MaxValue)));
        return TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(1).Ticks));
    }

    /// <summary>Gives the connection a slot; false when the table is full.</summary>
    public bool TryAdd(ITcpConnection connection)
    {
        lock (_gate)
        {
            if (_freeCount == 0)
            {
                return false;
            }

            int slot = _free[--_freeCount];
            connection.Slot = slot;
            Volatile.Write(ref _slots[slot], connection);
            return true;
        }
    }

    public void Remove(ITcpConnection connection)
    {
        lock (_gate)
        {
            int slot = connection.Slot;
            if (slot >= 0 && ReferenceEquals(_slots[slot], connection))
            {
                Volatile.Write(ref _slots[slot], null);
                _free[_freeCount++] = slot;
                connection.Slot = -1;
            }
        }
    }

    /// <summary>Calls <paramref name="action"/> for each open connection (a snapshot: connections may come and go meanwhile).</summary>
    public int ForEach<TState>(Func<ITcpConnection, TState, bool> action, TState state)
    {
        int hits = 0;
        for (int i = 0; i < _slots.Length; i++)
        {
            var c = Volatile.Read(ref _slots[i]);
            if (c is not null && action(c, state))
            {
                hits++;
            }
        }

        return hits;
    }

    /// <summary>Checks every connection's timeouts now (the timer calls this; tests may too).</summary>
    public void Sweep()
    {
        long now = _time.GetTimestamp();
        ForEach(static (c, now) => c.CheckTimeouts(now), now);
    }

    public void Dispose() => _sweeper.Dispose();
}
