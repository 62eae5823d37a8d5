using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace VirtualIp.Balancing.Scheduling;

/// <summary>A per-thread xorshift64* generator: no locks, no allocation, good enough for load balancing (not crypto).</summary>
internal static class FastRandom
{
    [ThreadStatic]
    private static ulong t_state;

    /// <summary>The next 64 random bits of this thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Next()
    {
        ulong x = t_state;
        if (x == 0)
        {
            x = Seed();
        }

        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        t_state = x;
        return x * 0x2545F4914F6CDD1DUL;
    }

    /// <summary>A random integer in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Next(int n) => StableHash.Range(Next(), n);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong Seed()
    {
        ulong s = StableHash.Mix((ulong)Stopwatch.GetTimestamp() ^ ((ulong)Environment.CurrentManagedThreadId << 32) ^ (ulong)Environment.ProcessId);
        return s == 0 ? 0x9E3779B97F4A7C15UL : s;
    }
}
