using System.Buffers.Binary;
using System.Net;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Per-source admission: at most <c>maxPerSource</c> open connections and a token bucket of new connections per
/// second for each source address (IPv4 address, IPv6 /64 prefix). A fixed, allocation-free table: 8-way sets chosen
/// by a per-process randomized hash (no hash flooding), allocated once. An entry with no open connection and a full
/// bucket is free for reuse. When every entry of a set is busy, the source shares one overflow entry (its limits then
/// apply to all such sources together) — memory stays bounded whatever the number of sources.
/// </summary>
internal sealed class SourceLimiter
{
    public const int Untracked = -1;
    private const int Ways = 8;
    private readonly Entry[] _entries;
    private readonly object[] _locks;
    private readonly int _setMask;
    private readonly int _maxPerSource;
    private readonly double _ratePerTick;
    private readonly double _burst;
    private readonly TimeProvider _time;

    /// <param name="maxPerSource">Open connections per source; 0 = no limit.</param>
    /// <param name="ratePerSecond">New connections per second per source; 0 = no limit.</param>
    /// <param name="burst">Bucket size.</param>
    /// <param name="expectedSources">Sizes the table (twice this many entries, rounded up to a power of two).</param>
    /// <param name="time">Clock of the token buckets.</param>
    public SourceLimiter(int maxPerSource, double ratePerSecond, int burst, int expectedSources, TimeProvider time)
    {
        _maxPerSource = maxPerSource;
        _ratePerTick = ratePerSecond / time.TimestampFrequency;
        _burst = burst;
        _time = time;
        int sets = (int)Math.Min(1 << 20, Math.Max(64, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, expectedSources * 2 / Ways))));
        _setMask = sets - 1;
        _entries = new Entry[(sets * Ways) + 1]; // + the overflow entry
        _locks = new object[sets + 1];
        for (int i = 0; i < _locks.Length; i++)
        {
            _locks[i] = new object();
        }
    }

    /// <summary>True when either limit is on.</summary>
    public bool IsEnabled => _maxPerSource > 0 || _ratePerTick > 0;

    /// <summary>Entries in the table (for tests and sizing).</summary>
    public int Capacity => _entries.Length - 1;

    /// <summary>
    /// Admits a new connection from <paramref name="address"/> or says why not. On success <paramref name="slot"/> must
    /// be given back to <see cref="Release"/> when the connection ends.
    /// </summary>
    public TcpRefusal? TryAcquire(IPAddress address, out int slot)
    {
        slot = Untracked;
        if (!IsEnabled)
        {
            return null;
        }

        Key(address, out ulong hi, out ulong lo);
        int set = HashCode.Combine(hi, lo) & _setMask;
        long now = _time.GetTimestamp();
        lock (_locks[set])
        {
            int free = -1;
            int start = set * Ways;
            for (int i = start; i < start + Ways; i++)
            {
                ref var e = ref _entries[i];
                if (e.Used && e.Hi == hi && e.Lo == lo)
                {
                    return Admit(ref e, i, now, out slot);
                }

                if (free < 0 && (!e.Used || IsReusable(ref e, now)))
                {
                    free = i;
                }
            }

            if (free >= 0)
            {
                ref var e = ref _entries[free];
                e = new Entry { Used = true, Hi = hi, Lo = lo, Tokens = _burst, Stamp = now };
                return Admit(ref e, free, now, out slot);
            }
        }

        lock (_locks[^1])
        {
            int overflow = _entries.Length - 1;
            ref var e = ref _entries[overflow];
            if (!e.Used)
            {
                e = new Entry { Used = true, Tokens = _burst, Stamp = now };
            }

            return Admit(ref e, overflow, now, out slot);
        }
    }

    /// <summary>Ends a connection admitted with <paramref name="slot"/>.</summary>
    public void Release(int slot)
    {
        if (slot == Untracked)
        {
            return;
        }

        int set = slot == _entries.Length - 1 ? _locks.Length - 1 : slot / Ways;
        lock (_locks[set])
        {
            _entries[slot].Count--;
        }
    }

    /// <summary>Open connections of the source's entry (tests).</summary>
    internal int CountOf(IPAddress address)
    {
        Key(address, out ulong hi, out ulong lo);
        int set = HashCode.Combine(hi, lo) & _setMask;
        lock (_locks[set])
        {
            for (int i = set * Ways; i < (set + 1) * Ways; i++)
            {
                if (_entries[i].Used && _entries[i].Hi == hi && _entries[i].Lo == lo)
                {
                    return _entries[i].Count;
                }
            }
        }

        return 0;
    }

    private TcpRefusal? Admit(ref Entry e, int index, long now, out int slot)
    {
        slot = Untracked;
        if (_maxPerSource > 0 && e.Count >= _maxPerSource)
        {
            return TcpRefusal.SourceLimit;
        }

        if (_ratePerTick > 0)
        {
            e.Tokens = Math.Min(_burst, e.Tokens + ((now - e.Stamp) * _ratePerTick));
            e.Stamp = now;
            if (e.Tokens < 1)
            {
                return TcpRefusal.SourceRate;
            }

            e.Tokens -= 1;
        }

        e.Count++;
        slot = index;
        return null;
    }

    private bool IsReusable(ref Entry e, long now) =>
        e.Count == 0 && (_ratePerTick <= 0 || e.Tokens + ((now - e.Stamp) * _ratePerTick) >= _burst);

    private static void Key(IPAddress address, out ulong hi, out ulong lo)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out int n);
        if (n == 4)
        {
            hi = 0;
            lo = (1UL << 32) | BinaryPrimitives.ReadUInt32BigEndian(b);
        }
        else if (address.IsIPv4MappedToIPv6)
        {
            hi = 0;
            lo = (1UL << 32) | BinaryPrimitives.ReadUInt32BigEndian(b[12..]);
        }
        else
        {
            hi = BinaryPrimitives.ReadUInt64BigEndian(b); // the /64 prefix: one host owns a whole /64
            lo = 0;
        }
    }

    private struct Entry
    {
        public bool Used;
        public ulong Hi;
        public ulong Lo;
        public int Count;
        public double Tokens;
        public long Stamp;
    }
}
