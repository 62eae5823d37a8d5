using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VirtualIp.Addressing;

namespace VirtualIp.Frames;

/// <summary>
/// Sequential big-endian writer over a span that the caller has already sized. The public <c>Write*</c> methods
/// check the destination length once, so the writer itself never grows and never allocates.
/// </summary>
internal ref partial struct FrameWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    public FrameWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly Span<byte> Buffer => _buffer;

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value) => _buffer[_position++] = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteMac(MacAddress mac)
    {
        ulong v = mac.ToUInt64();
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], (ushort)(v >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[(_position + 2)..], (uint)v);
        _position += MacAddress.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBytes(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[_position..]);
        _position += bytes.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteZeros(int count)
    {
        _buffer.Slice(_position, count).Clear();
        _position += count;
    }

    /// <summary>Reserves <paramref name="count"/> bytes and returns them, for fields filled later (checksums, payloads).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Reserve(int count)
    {
        Span<byte> s = _buffer.Slice(_position, count);
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
