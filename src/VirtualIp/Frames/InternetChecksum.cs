using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VirtualIp.Frames;

/// <summary>
/// The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit words.
/// Sums eight bytes per step in host order (the sum is byte-order independent) and allocates nothing.
/// </summary>
/// <remarks>
/// To checksum several pieces (a pseudo-header and a message), call <see cref="Accumulate"/> for each piece,
/// every piece but the last having an even length, then <see cref="Finish"/>.
/// </remarks>
internal static class InternetChecksum
{
    /// <summary>Computes the checksum of <paramref name="data"/>, ready to be written big-endian.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Accumulate(data, 0));

    /// <summary>True when <paramref name="data"/>, which includes its checksum field, verifies (sums to 0xFFFF).</summary>
    public static bool Verify(ReadOnlySpan<byte> data) => Compute(data) == 0;

    /// <summary>
    /// Adds <paramref name="data"/> to a running partial sum (start with 0) and returns the new partial sum.
    /// The partial sum is in host order; only <see cref="Finish"/> gives a wire value.
    /// </summary>
    public static ulong Accumulate(ReadOnlySpan<byte> data, ulong partialSum)
    {
        ulong sum = partialSum;
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint i = 0;

        // Four independent 64-bit lanes of 32-bit halves: no carries are lost as long as fewer than 2^32 words are added.
        ulong s0 = 0, s1 = 0;
        while (length - i >= 16)
        {
            ulong a = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i));
            ulong b = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 8));
            s0 += (a & 0xFFFF_FFFFUL) + (a >> 32);
            s1 += (b & 0xFFFF_FFFFUL) + (b >> 32);
            i += 16;
        }

        sum += s0 + s1;
        while (length - i >= 4)
        {
            sum += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
            i += 4;
        }

        if (length - i >= 2)
        {
            sum += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i));
            i += 2;
        }

        if (i < length)
        {
            // A trailing odd byte is the high-order byte of a word padded with zero.
            byte last = Unsafe.Add(ref start, i);
            sum += BitConverter.IsLittleEndian ? last : (ulong)last << 8;
        }

        return Fold32(sum);
    }

    /// <summary>Adds a 16-bit value given in network (numeric) order, such as a length or protocol word of a pseudo-header.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong AccumulateWord(ushort value, ulong partialSum) =>
        partialSum + (BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value);

    /// <summary>Folds a partial sum and complements it: the value to write big-endian into a checksum field.</summary>
    public static ushort Finish(ulong partialSum)
    {
        ulong s = Fold32(partialSum);
        uint t = (uint)(s & 0xFFFF) + (uint)(s >> 16);
        t = (t & 0xFFFF) + (t >> 16);
        t = (t & 0xFFFF) + (t >> 16);
        ushort host = (ushort)~t;
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(host) : host;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Fold32(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFFUL) + (sum >> 32);
        return (sum & 0xFFFF_FFFFUL) + (sum >> 32);
    }
}
