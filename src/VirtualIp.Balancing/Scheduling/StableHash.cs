using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Scheduling;

/// <summary>
/// Process-independent hashing for consistent schedulers: xxHash64 (the published algorithm, written here to avoid a
/// package) and a 64-bit finalizer. Never <see cref="HashCode"/>, which is randomized per process.
/// </summary>
internal static class StableHash
{
    private const ulong P1 = 11400714785074694791UL;
    private const ulong P2 = 14029467366897019727UL;
    private const ulong P3 = 1609587929392839161UL;
    private const ulong P4 = 9650029242287828579UL;
    private const ulong P5 = 2870177450012600261UL;

    /// <summary>The hash of a pick context's key (bytes through xxHash64, numbers through <see cref="Mix"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong OfKey(in PickContext context) =>
        context.HasNumericKey ? Mix(context.NumericKey) : XxHash64(context.Key);

    /// <summary>xxHash64 of a string's UTF-8 bytes.</summary>
    public static ulong OfName(string name, ulong seed = 0)
    {
        int max = Encoding.UTF8.GetMaxByteCount(name.Length);
        Span<byte> buf = max <= 512 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(name, buf);
        return XxHash64(buf[..n], seed);
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

    /// <summary>xxHash64 of <paramref name="data"/>.</summary>
    public static ulong XxHash64(ReadOnlySpan<byte> data, ulong seed = 0)
    {
        int len = data.Length;
        int i = 0;
        ulong h;
        if (len >= 32)
        {
            ulong v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
            int limit = len - 32;
            do
            {
                v1 = Round(v1, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i)));
                v2 = Round(v2, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i + 8)));
                v3 = Round(v3, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i + 16)));
                v4 = Round(v4, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i + 24)));
                i += 32;
            }
            while (i <= limit);

            h = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7) + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
            h = Merge(h, v1);
            h = Merge(h, v2);
            h = Merge(h, v3);
            h = Merge(h, v4);
        }
        else
        {
            h = seed + P5;
        }

        h += (ulong)len;
        while (i + 8 <= len)
        {
            h ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i)));
            h = (BitOperations.RotateLeft(h, 27) * P1) + P4;
            i += 8;
        }

        if (i + 4 <= len)
        {
            h ^= BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i)) * P1;
            h = (BitOperations.RotateLeft(h, 23) * P2) + P3;
            i += 4;
        }

        while (i < len)
        {
            h ^= data[i] * P5;
            h = BitOperations.RotateLeft(h, 11) * P1;
            i++;
        }

        h ^= h >> 33;
        h *= P2;
        h ^= h >> 29;
        h *= P3;
        h ^= h >> 32;
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Round(ulong acc, ulong input)
    {
        acc += input * P2;
        acc = BitOperations.RotateLeft(acc, 31);
        return acc * P1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Merge(ulong acc, ulong val)
    {
        acc ^= Round(0, val);
        return (acc * P1) + P4;
    }
}
