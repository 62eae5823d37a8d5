using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VirtualIp.Frames;

namespace VirtualIp.Vrrp;

internal static partial class VrrpCodec
{
    /// <summary>IP protocol number of VRRP.</summary>
    public const byte IPProtocol = 112;

    /// <summary>The largest VRRPv3 advertisement interval in centiseconds (12 bits).</summary>
    public const ushort MaxV3IntervalCentiseconds = 4095;

    private const byte TypeAdvertisement = 1;

    public static partial int Write(Span<byte> destination, in VrrpMessage message, ReadOnlySpan<byte> sourceAddress,
        ReadOnlySpan<byte> destinationAddress, VrrpChecksumMode checksumMode)
    {
        // Checks without formatting on the hot path; the message is built only when something is wrong.
        bool v2 = message.Version == VrrpVersion.V2;
        int addrLen = message.IsIPv6 ? 16 : 4;
        int length = HeaderLength + message.Addresses.Length + (v2 ? V2AuthDataLength : 0);
        bool pseudo = !v2 && (message.IsIPv6 || checksumMode != VrrpChecksumMode.MessageOnly);
        if (!IsWritable(message, v2, addrLen) || destination.Length < length ||
            (pseudo && (sourceAddress.Length != addrLen || destinationAddress.Length != addrLen ||
                        (checksumMode == VrrpChecksumMode.AcceptEither && !message.IsIPv6))))
        {
            ThrowInvalid(destination.Length, message, sourceAddress.Length, destinationAddress.Length, checksumMode);
        }

        Span<byte> d = destination[..length];
        d[0] = (byte)(((byte)message.Version << 4) | TypeAdvertisement);
        d[1] = message.VirtualRouterId;
        d[2] = message.Priority;
        d[3] = (byte)(message.Addresses.Length / addrLen);
        if (v2)
        {
            d[4] = (byte)message.AuthType;
            d[5] = (byte)(message.IntervalCentiseconds / 100);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(d[4..], message.IntervalCentiseconds);
        }

        d[6] = 0;
        d[7] = 0;
        message.Addresses.CopyTo(d[HeaderLength..]);
        if (v2)
        {
            Span<byte> auth = d.Slice(HeaderLength + message.Addresses.Length, V2AuthDataLength);
            auth.Clear();
            if (message.AuthType == VrrpAuthType.SimpleText)
            {
                message.AuthData.CopyTo(auth);
            }
        }

        ushort checksum = pseudo
            ? ComputePseudoHeaderChecksum(d, sourceAddress, destinationAddress, message.IsIPv6)
            : InternetChecksum.Compute(d);
        BinaryPrimitives.WriteUInt16BigEndian(d[6..], checksum);
        return length;
    }

    private static bool IsWritable(in VrrpMessage message, bool v2, int addrLen)
    {
        int bytes = message.Addresses.Length;
        bool ok = message.VirtualRouterId != 0 && bytes != 0 && (bytes & (addrLen - 1)) == 0 && bytes <= 255 * addrLen;
        if (v2)
        {
            ushort i = message.IntervalCentiseconds;
            return ok && !message.IsIPv6 && i is >= 100 and <= 25500 && i % 100 == 0 &&
                message.AuthData.Length <= V2AuthDataLength && message.AuthType is VrrpAuthType.None or VrrpAuthType.SimpleText;
        }

        return ok && message.Version == VrrpVersion.V3 && message.IntervalCentiseconds is > 0 and <= MaxV3IntervalCentiseconds;
    }

    // The exceptions name Write's parameters (this helper only formats them, off the hot path).
#pragma warning disable CA2208
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowInvalid(int destinationLength, in VrrpMessage message, int sourceLength, int destinationAddressLength, VrrpChecksumMode checksumMode)
    {
        int addrLen = message.IsIPv6 ? 16 : 4;
        bool v2 = message.Version == VrrpVersion.V2;
        if (message.Version is not (VrrpVersion.V2 or VrrpVersion.V3))
        {
            throw new ArgumentException($"VRRP version {(int)message.Version} is not supported (2 or 3).", nameof(message));
        }

        if (v2 && message.IsIPv6)
        {
            throw new ArgumentException("VRRPv2 carries IPv4 addresses only; use VRRPv3 for IPv6.", nameof(message));
        }

        if (message.VirtualRouterId == 0)
        {
            throw new ArgumentException("The VRID is 1 to 255; got 0.", nameof(message));
        }

        if (message.Addresses.Length == 0 || message.Addresses.Length % addrLen != 0 || message.Addresses.Length / addrLen > 255)
        {
            throw new ArgumentException(
                $"The address list must hold 1 to 255 {(message.IsIPv6 ? "IPv6" : "IPv4")} addresses of {addrLen} bytes; got {message.Addresses.Length} bytes.",
                nameof(message));
        }

        if (v2)
        {
            if (message.IntervalCentiseconds % 100 != 0 || message.IntervalCentiseconds is < 100 or > 25500)
            {
                throw new ArgumentException(
                    $"A VRRPv2 interval is a whole number of seconds from 1 to 255; got {message.IntervalCentiseconds} centiseconds.", nameof(message));
            }

            if (message.AuthData.Length > V2AuthDataLength)
            {
                throw new ArgumentException($"VRRPv2 authentication data is at most 8 bytes; got {message.AuthData.Length}.", nameof(message));
            }

            if (message.AuthType is not (VrrpAuthType.None or VrrpAuthType.SimpleText))
            {
                throw new ArgumentException($"VRRPv2 authentication type {(int)message.AuthType} is not supported (0 or 1).", nameof(message));
            }
        }
        else if (message.IntervalCentiseconds is 0 or > MaxV3IntervalCentiseconds)
        {
            throw new ArgumentException($"A VRRPv3 interval is 1 to 4095 centiseconds; got {message.IntervalCentiseconds}.", nameof(message));
        }

        int length = GetEncodedLength(message);
        if (destinationLength < length)
        {
            throw new ArgumentException($"The VRRP message needs {length} bytes; the destination has {destinationLength}.", "destination");
        }

        if (checksumMode == VrrpChecksumMode.AcceptEither && !message.IsIPv6)
        {
            throw new ArgumentException("AcceptEither is a receive policy; write with WithPseudoHeader or MessageOnly.", nameof(checksumMode));
        }

        throw new ArgumentException(
            $"The pseudo-header checksum needs {addrLen}-byte source and destination addresses; got {sourceLength} and {destinationAddressLength}.",
            "sourceAddress");
    }
#pragma warning restore CA2208

    /// <summary>The checksum over the IPv4 or IPv6 pseudo-header and <paramref name="vrrp"/>.</summary>
    internal static ushort ComputePseudoHeaderChecksum(ReadOnlySpan<byte> vrrp, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, bool ipv6)
    {
        // IPv4 addresses are single 32-bit words: add them in host order without a call.
        ulong sum = ipv6
            ? InternetChecksum.Accumulate(destination, InternetChecksum.Accumulate(source, 0))
            : (ulong)MemoryMarshal.Read<uint>(source) + MemoryMarshal.Read<uint>(destination);
        if (ipv6)
        {
            // Upper-layer length (32 bits; VRRP is far below 64 KiB) and the next header in the last byte.
            sum = InternetChecksum.AccumulateWord((ushort)vrrp.Length, sum);
            sum = InternetChecksum.AccumulateWord(IPProtocol, sum);
        }
        else
        {
            sum = InternetChecksum.AccumulateWord(IPProtocol, sum);
            sum = InternetChecksum.AccumulateWord((ushort)vrrp.Length, sum);
        }

        return InternetChecksum.Finish(InternetChecksum.Accumulate(vrrp, sum));
    }
}
