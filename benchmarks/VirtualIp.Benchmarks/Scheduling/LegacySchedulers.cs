using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VirtualIp.Balancing.Scheduling;
using VirtualIp.Scheduling;

namespace VirtualIp.Benchmarks.Scheduling;

/// <summary>
/// The Maglev build and power-of-two-choices pick as they were before the 2026-11-26 tuning, kept as in-run baselines
/// (the machine is shared, so only ratios within one run mean anything).
/// </summary>
internal static class LegacyMaglev
{
    private const ulong OffsetSeed = 0x6D61676C65764F66UL;
    private const ulong SkipSeed = 0x6D61676C65765368UL;

    public static int[] BuildTable(Backend[] backends, int tableSize)
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

        bool weighted = !backends.Any(b => b.Weight != backends[0].Weight) is false;
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
}

/// <summary>The power-of-two-choices pick before tuning (two range reductions of 64-bit products, bounds-checked reads).</summary>
internal sealed class LegacyPowerOfTwoChoices : IBackendScheduler
{
    private BackendSet _set = BackendSet.Empty;
    private Backend[] _backends = [];

    public string Name => "legacy-p2c";

    public BackendSet Backends => _set;

    public void Update(BackendSet backends)
    {
        _set = backends;
        Volatile.Write(ref _backends, backends.AsSpan().ToArray());
    }

    public Backend? Pick(in PickContext context)
    {
        var backends = Volatile.Read(ref _backends);
        int n = backends.Length;
        if (n <= 1)
        {
            return n == 1 && backends[0].IsAvailable ? backends[0] : null;
        }

        ulong r = FastRandom.Next();
        int i = StableHash.Range(r, n);
        int j = StableHash.Range(r * 0x9E3779B97F4A7C15UL, n - 1);
        if (j >= i)
        {
            j++;
        }

        var a = backends[i];
        var b = backends[j];
        bool aOk = a.IsAvailable, bOk = b.IsAvailable;
        if (aOk && bOk)
        {
            // a.InFlight / a.Weight <= b.InFlight / b.Weight, without a division.
            return (long)a.InFlight * b.Weight <= (long)b.InFlight * a.Weight ? a : b;
        }

        return aOk ? a : bOk ? b : Scan(backends, i);
    }


    private static Backend? Scan(Backend[] backends, int start)
    {
        for (int k = 0; k < backends.Length; k++)
        {
            var b = backends[(start + k) % backends.Length];
            if (b.IsAvailable)
            {
                return b;
            }
        }

        return null;
    }
}
