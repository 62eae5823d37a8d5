using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Scheduling;

/// <summary>
/// Process-independent hashing for consistent schedulers: xxHash64 (<see cref="XxHash64"/> from System.IO.Hashing,
/// seeded, allocation-free) and a 64-bit finalizer. Never <see cref="HashCode"/>, which is randomized per process.
/// </summary>
internal static class StableHash
{
    /// <summary>The hash of a pick context's key (bytes through xxHash64, numbers through <see cref="Mix"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong OfKey(in PickContext context) =>
        context.HasNumericKey ? Mix(context.NumericKey) : XxHash64.HashToUInt64(context.Key);

    /// <summary>xxHash64 of a string's UTF-8 bytes.</summary>
    public static ulong OfName(string name, ulong seed = 0)
    {
        int max = Encoding.UTF8.GetMaxByteCount(name.Length);
        Span<byte> buf = max <= 512 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(name, buf);
        return XxHash64.HashToUInt64(buf[..n], unchecked((long)seed));
    }

    /// <summary>A strong 64-bit mixer (the murmur3 / splitmix64 finalizer); a bijection.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDUL;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53UL;
        x ^= x >> 33;
        return x;
    }

    /// <summary>Maps a 64-bit hash uniformly onto [0, n) without a division (Lemire's multiply-shift).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Range(ulong hash, int n) => (int)Math.BigMul(hash, (ulong)(uint)n, out _);

    /// <summary>The multiplier for <see cref="FastMod"/> by <paramref name="divisor"/> (Lemire: ulong.MaxValue / d + 1).</summary>
    public static ulong FastModMultiplier(uint divisor) => divisor == 0 ? 0 : (ulong.MaxValue / divisor) + 1;

    /// <summary><paramref name="value"/> % <paramref name="divisor"/> with two multiplications instead of a division.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint FastMod(uint value, uint divisor, ulong multiplier) =>
        (uint)Math.BigMul(multiplier * value, divisor, out _);
}
