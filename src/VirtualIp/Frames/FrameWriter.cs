using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VirtualIp.Addressing;

namespace VirtualIp.Frames;

/// <summary>
/// Sequential big-endian writer over a span that the caller has already sized. The public <c>Write*</c> methods
/// check the destination length once, so the writer itself never grows and never allocates.
/// </summary>
internal ref partial struct FrameWriter
{
    private readonly ref byte _start;
    private readonly int _capacity;
    private int _position;

    public FrameWriter(Span<byte> buffer)
    {
        _start = ref MemoryMarshal.GetReference(buffer);
        _capacity = buffer.Length;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly Span<byte> Buffer => MemoryMarshal.CreateSpan(ref _start, _capacity);

    /// <summary>Throws the standard "needs N bytes" exception when <paramref name="destination"/> is too small.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void EnsureSize(Span<byte> destination, int needed, string what)
    {
        if (destination.Length < needed)
        {
            ThrowTooSmall(destination.Length, needed, what, nameof(destination));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooSmall(int have, int needed, string what, string paramName) =>
        throw new ArgumentException($"{what} needs {needed} bytes; the destination has {have}.", paramName);

    // The public Write* methods check the destination size once up front; the writes below only assert it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly ref byte At(int count)
    {
        Debug.Assert(_position + count <= _capacity, "FrameWriter overrun: the caller did not size the destination.");
        return ref Unsafe.Add(ref _start, _position);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value)
    {
        At(1) = value;
        _position++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt16(ushort value)
    {
        Unsafe.WriteUnaligned(ref At(2), BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value);
        _position += 2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt32(uint value)
    {
        Unsafe.WriteUnaligned(ref At(4), BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value);
        _position += 4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteMac(MacAddress mac)
    {
        ulong v = mac.ToUInt64();
        ref byte p = ref At(MacAddress.Length);
        ushort hi = (ushort)(v >> 32);
        uint lo = (uint)v;
        Unsafe.WriteUnaligned(ref p, BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(hi) : hi);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref p, 2), BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(lo) : lo);
        _position += MacAddress.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBytes(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(MemoryMarshal.CreateSpan(ref At(bytes.Length), bytes.Length));
        _position += bytes.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteZeros(int count)
    {
        MemoryMarshal.CreateSpan(ref At(count), count).Clear();
        _position += count;
    }

    /// <summary>Reserves <paramref name="count"/> bytes and returns them, for fields filled later (checksums, payloads).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Reserve(int count)
    {
        Span<byte> s = MemoryMarshal.CreateSpan(ref At(count), count);
        _position += count;
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RequireAddress(ReadOnlySpan<byte> address, int length, string paramName)
    {
        if (address.Length != length)
        {
            ThrowBadAddress(address.Length, length, paramName);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadAddress(int have, int length, string paramName) =>
        throw new ArgumentException($"An {(length == 4 ? "IPv4" : "IPv6")} address is {length} bytes; got {have}.", paramName);
}
