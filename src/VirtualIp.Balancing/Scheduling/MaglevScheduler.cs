using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Scheduling;

/// <summary>
/// Maglev consistent hashing (Eisenbud et al., NSDI 2016): each backend walks its own permutation of a prime-sized
/// table (offset and skip from two stable hashes of its name) and the backends take turns claiming their next free
/// slot until the table is full; weighted backends take proportionally more turns. A pick is one hash and one table
/// read. When a backend leaves (or is marked unavailable) few keys other than its own move. A key whose slot points to
/// an unavailable backend probes the following slots, so unavailability moves only that backend's keys.
/// A context without key picks at random.
/// </summary>
internal sealed class MaglevScheduler : BackendSchedulerBase<MaglevScheduler.TableState>
{
    public const int DefaultTableSize = 65537;
    private const ulong OffsetSeed = 0x6D61676C65764F66UL;
    private const ulong SkipSeed = 0x6D61676C65765368UL;

    private readonly int _tableSize;

    public MaglevScheduler(int tableSize = DefaultTableSize)
        : base(new TableState(BackendSet.Empty, 0))
    {
        if (!IsPrime(tableSize))
        {
            throw new ArgumentOutOfRangeException(nameof(tableSize), tableSize, "The Maglev table size must be a prime (e.g. 65537, 655373).");
        }

        _tableSize = tableSize;
    }

    public override string Name => BackendSchedulerNames.Maglev;

    public int TableSize => _tableSize;

    public override Backend? Pick(in PickContext context)
    {
        var s = State;
        var table = s.Table;
        if (table.Length == 0)
        {
            return null;
        }

        ulong h = context.HasKey ? StableHash.OfKey(context) : FastRandom.Next();
        int slot = StableHash.Range(h, table.Length);
        var b = s.Backends[table[slot]];
        return b.IsAvailable ? b : Probe(s, slot);
    }

    /// <summary>Builds a lookup table (also used by benchmarks and tests).</summary>
    internal static int[] BuildTable(Backend[] backends, int tableSize)
    {
        int n = backends.Length;
        if (n == 0)
        {
            return [];
        }

        if (n > tableSize)
        {
            throw new ArgumentException($"Maglev needs more table slots ({tableSize}) than backends ({n}); use a larger prime (about 100 times the backends).", nameof(backends));
        }

        uint m = (uint)tableSize;
        var pos = new uint[n];
        var skip = new uint[n];
        var weight = new int[n];
        var acc = new int[n];
        int maxWeight = 0;
        for (int i = 0; i < n; i++)
        {
            string name = backends[i].Name;
            pos[i] = (uint)(StableHash.OfName(name, OffsetSeed) % m);
            skip[i] = (uint)(StableHash.OfName(name, SkipSeed) % (m - 1)) + 1;
            weight[i] = backends[i].Weight;
            maxWeight = Math.Max(maxWeight, weight[i]);
        }

        bool weighted = !AllWeightsEqual(backends);
        var table = GC.AllocateUninitializedArray<int>(tableSize);
        var filledBits = new ulong[(tableSize + 63) >> 6];
        ref ulong bits = ref MemoryMarshal.GetArrayDataReference(filledBits);
        ref int tab = ref MemoryMarshal.GetArrayDataReference(table);
        ref uint posRef = ref MemoryMarshal.GetArrayDataReference(pos);
        ref uint skipRef = ref MemoryMarshal.GetArrayDataReference(skip);
        int filled = 0;
        if (!weighted)
        {
            // Equal weights: every backend claims one slot per round.
            while (true)
            {
                for (int i = 0; i < n; i++)
                {
                    Claim(ref bits, ref tab, ref Unsafe.Add(ref posRef, i), Unsafe.Add(ref skipRef, i), m, i);
                    if (++filled == tableSize)
                    {
                        return table;
                    }
                }
            }
        }

        while (true)
        {
            for (int i = 0; i < n; i++)
            {
                // Weighted: a backend claims when its accumulated weight reaches the largest weight.
                int a = acc[i] + weight[i];
                if (a < maxWeight)
                {
                    acc[i] = a;
                    continue;
                }

                acc[i] = a - maxWeight;
                Claim(ref bits, ref tab, ref Unsafe.Add(ref posRef, i), Unsafe.Add(ref skipRef, i), m, i);
                if (++filled == tableSize)
                {
                    return table;
                }
            }
        }
    }

    /// <summary>Walks one backend's permutation to its next free slot and takes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Claim(ref ulong bits, ref int table, ref uint position, uint skip, uint m, int backend)
    {
        uint c = position;
        while ((Unsafe.Add(ref bits, (int)(c >> 6)) & (1UL << (int)c)) != 0)
        {
            c += skip;
            c = Math.Min(c, c - m); // branchless "if (c >= m) c -= m": c - m wraps to a huge value when c < m
        }

        Unsafe.Add(ref bits, (int)(c >> 6)) |= 1UL << (int)c;
        Unsafe.Add(ref table, (int)c) = backend;
        c += skip;
        position = Math.Min(c, c - m);
    }

    internal static bool IsPrime(int n)
    {
        if (n < 2)
        {
            return false;
        }

        if (n % 2 == 0)
        {
            return n == 2;
        }

        for (int d = 3; (long)d * d <= n; d += 2)
        {
            if (n % d == 0)
            {
                return false;
            }
        }

        return true;
    }

    protected override TableState Build(BackendSet set) =>
        new(set, _tableSize);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Backend? Probe(TableState s, int slot)
    {
        var table = s.Table;
        for (int k = 1; k < 32; k++)
        {
            int j = slot + k;
            if (j >= table.Length)
            {
                j -= table.Length;
            }

            var b = s.Backends[table[j]];
            if (b.IsAvailable)
            {
                return b;
            }
        }

        return ScanFrom(s.Backends, table[slot]);
    }

    internal sealed class TableState : SchedulerState
    {
        public TableState(BackendSet set, int tableSize)
            : base(set)
        {
            Table = BuildTable(Backends, tableSize);
        }

        /// <summary>Slot to backend index.</summary>
        public int[] Table { get; }
    }
}
