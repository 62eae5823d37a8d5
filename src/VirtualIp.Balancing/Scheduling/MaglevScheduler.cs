using System.Buffers;
using System.Numerics;
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
        int length = s.Length;
        if (length == 0)
        {
            return null;
        }

        ulong h = context.HasKey ? StableHash.OfKey(context) : FastRandom.Next();
        int slot = StableHash.Range(h, length);
        var small = s.Small;
        int index = small is not null ? small[slot] : s.Large![slot];
        var b = s.Backends[index];
        return b.IsAvailable ? b : Probe(s, slot);
    }

    /// <summary>Builds a lookup table of backend indexes as <see cref="int"/>s (tests, benchmarks, more than 65,536 backends).</summary>
    internal static int[] BuildTable(Backend[] backends, int tableSize) => BuildTable<int>(backends, tableSize);

    /// <summary>
    /// Builds a lookup table of backend indexes into a new array of <typeparamref name="T"/> (ushort when there are at
    /// most 65,536 backends: half the memory, and the only allocation of a build; scratch space is pooled).
    /// </summary>
    internal static T[] BuildTable<T>(Backend[] backends, int tableSize)
        where T : unmanaged, IBinaryInteger<T>
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

        var table = GC.AllocateUninitializedArray<T>(tableSize);
        var pos = ArrayPool<uint>.Shared.Rent(n);
        var skip = ArrayPool<uint>.Shared.Rent(n);
        var acc = ArrayPool<int>.Shared.Rent(n);
        var inverse = ArrayPool<uint>.Shared.Rent(n);
        var bits = ArrayPool<ulong>.Shared.Rent((tableSize + 63) >> 6);
        var free = ArrayPool<uint>.Shared.Rent(FreeListThreshold(tableSize));
        try
        {
            Fill(backends, table, pos, skip, acc, inverse, bits, free);
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(free);
            ArrayPool<ulong>.Shared.Return(bits);
            ArrayPool<uint>.Shared.Return(inverse);
            ArrayPool<int>.Shared.Return(acc);
            ArrayPool<uint>.Shared.Return(skip);
            ArrayPool<uint>.Shared.Return(pos);
        }

        return table;
    }

    /// <summary>
    /// Free slots at which the build stops walking permutations and picks, for each turn, the free slot that comes first
    /// in the backend's permutation by computing its step count ((slot - position) * skip^-1 mod M). Walking costs about
    /// M/F probes per claim when F slots are free, the direct computation F, so it pays below about sqrt(M).
    /// </summary>
    private static int FreeListThreshold(int tableSize) => Math.Clamp((int)Math.Sqrt(tableSize) / 2, 1, tableSize);

    private static void Fill<T>(Backend[] backends, T[] table, uint[] pos, uint[] skip, int[] acc, uint[] inverse, ulong[] bitArray, uint[] free)
        where T : unmanaged, IBinaryInteger<T>
    {
        int n = backends.Length;
        int tableSize = table.Length;
        uint m = (uint)tableSize;
        int maxWeight = 0;
        for (int i = 0; i < n; i++)
        {
            // One hash per backend: offset from its high bits, skip from a remix.
            ulong h = StableHash.OfName(backends[i].Name, OffsetSeed);
            pos[i] = (uint)StableHash.Range(h, tableSize);
            skip[i] = (uint)StableHash.Range(StableHash.Mix(h ^ SkipSeed), tableSize - 1) + 1;
            inverse[i] = 0;
            acc[i] = 0;
            maxWeight = Math.Max(maxWeight, backends[i].Weight);
        }

        bool weighted = !AllWeightsEqual(backends);
        int words = (tableSize + 63) >> 6;
        Array.Clear(bitArray, 0, words);
        ref ulong bits = ref MemoryMarshal.GetArrayDataReference(bitArray);
        ref T tab = ref MemoryMarshal.GetArrayDataReference(table);
        ref uint posRef = ref MemoryMarshal.GetArrayDataReference(pos);
        ref uint skipRef = ref MemoryMarshal.GetArrayDataReference(skip);
        int threshold = FreeListThreshold(tableSize);
        int remaining = tableSize;
        int i2 = 0;

        // Phase 1: walk permutations while many slots are free.
        while (remaining > threshold)
        {
            if (weighted)
            {
                // A backend claims when its accumulated weight reaches the largest weight.
                int a = acc[i2] + backends[i2].Weight;
                if (a < maxWeight)
                {
                    acc[i2] = a;
                    i2 = i2 + 1 == n ? 0 : i2 + 1;
                    continue;
                }

                acc[i2] = a - maxWeight;
            }

            Claim(ref bits, ref tab, ref Unsafe.Add(ref posRef, i2), Unsafe.Add(ref skipRef, i2), m, T.CreateTruncating(i2));
            remaining--;
            i2 = i2 + 1 == n ? 0 : i2 + 1;
        }

        // Phase 2: few free slots left; list them and compute instead of walking.
        int f = 0;
        for (int w = 0; w < words; w++)
        {
            ulong empty = ~Unsafe.Add(ref bits, w);
            while (empty != 0)
            {
                int slot = (w << 6) + BitOperations.TrailingZeroCount(empty);
                if (slot >= tableSize)
                {
                    break;
                }

                free[f++] = (uint)slot;
                empty &= empty - 1;
            }
        }

        ulong mu = ulong.MaxValue / m;
        while (f > 0)
        {
            if (weighted)
            {
                int a = acc[i2] + backends[i2].Weight;
                if (a < maxWeight)
                {
                    acc[i2] = a;
                    i2 = i2 + 1 == n ? 0 : i2 + 1;
                    continue;
                }

                acc[i2] = a - maxWeight;
            }

            uint inv = inverse[i2];
            if (inv == 0)
            {
                inv = inverse[i2] = ModInverse(skip[i2], m);
            }

            uint p = pos[i2];
            int best = 0;
            ulong bestSteps = ulong.MaxValue;
            for (int k = 0; k < f; k++)
            {
                uint s = free[k];
                uint d = s >= p ? s - p : s + m - p;
                ulong x = (ulong)d * inv;
                ulong r = x - (Math.BigMul(x, mu, out _) * m);
                while (r >= m)
                {
                    r -= m;
                }

                if (r < bestSteps)
                {
                    bestSteps = r;
                    best = k;
                }
            }

            uint c = free[best];
            free[best] = free[--f];
            Unsafe.Add(ref tab, (int)c) = T.CreateTruncating(i2);
            c += skip[i2];
            pos[i2] = Math.Min(c, c - m);
            i2 = i2 + 1 == n ? 0 : i2 + 1;
        }
    }

    /// <summary>The inverse of <paramref name="a"/> modulo the prime <paramref name="m"/> (extended Euclid).</summary>
    private static uint ModInverse(uint a, uint m)
    {
        long t = 0, newT = 1, r = m, newR = a;
        while (newR != 0)
        {
            long q = r / newR;
            (t, newT) = (newT, t - (q * newT));
            (r, newR) = (newR, r - (q * newR));
        }

        return (uint)(t < 0 ? t + m : t);
    }

    /// <summary>Walks one backend's permutation to its next free slot and takes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Claim<T>(ref ulong bits, ref T table, ref uint position, uint skip, uint m, T backend)
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
        int length = s.Length;
        for (int k = 1; k < 32; k++)
        {
            int j = slot + k;
            if (j >= length)
            {
                j -= length;
            }

            var b = s.Backends[s.IndexAt(j)];
            if (b.IsAvailable)
            {
                return b;
            }
        }

        return ScanFrom(s.Backends, s.IndexAt(slot));
    }

    internal sealed class TableState : SchedulerState
    {
        public TableState(BackendSet set, int tableSize)
            : base(set)
        {
            if (Backends.Length <= ushort.MaxValue + 1)
            {
                Small = BuildTable<ushort>(Backends, tableSize);
                Length = Small.Length;
            }
            else
            {
                Large = BuildTable<int>(Backends, tableSize);
                Length = Large.Length;
            }
        }

        /// <summary>Slot to backend index when there are at most 65,536 backends.</summary>
        public ushort[]? Small { get; }

        /// <summary>Slot to backend index otherwise.</summary>
        public int[]? Large { get; }

        /// <summary>Slots in the table (0 for an empty set).</summary>
        public int Length { get; }

        public int IndexAt(int slot) => Small is { } t ? t[slot] : Large![slot];
    }
}
