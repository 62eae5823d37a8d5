using System.Buffers.Binary;
using VirtualIp.Frames;

namespace VirtualIp.Vrrp;

internal static partial class VrrpCodec
{
    public static partial bool TryRead(ReadOnlySpan<byte> payload, scoped in VrrpReceiveContext context, out VrrpMessage message, out VrrpRejectReason reason)
    {
        message = default;
        if (payload.Length < HeaderLength)
        {
            reason = VrrpRejectReason.Truncated;
            return false;
        }

        int versionBits = payload[0] >> 4;
        if (versionBits is not (2 or 3) || (versionBits == 2 && context.IsIPv6) ||
            (context.ExpectedVersion is { } expected && (int)expected != versionBits))
        {
            reason = VrrpRejectReason.BadVersion;
            return false;
        }

        if ((payload[0] & 0x0F) != TypeAdvertisement)
        {
            reason = VrrpRejectReason.BadType;
            return false;
        }

        if (context.Ttl != 255)
        {
            reason = VrrpRejectReason.BadTtl;
            return false;
        }

        bool v2 = versionBits == 2;
        int count = payload[3];
        if (count == 0)
        {
            reason = VrrpRejectReason.BadAddressCount;
            return false;
        }

        int addrLen = context.IsIPv6 ? 16 : 4;
        int trailer = v2 ? V2AuthDataLength : 0;
        int expectedLength = HeaderLength + (count * addrLen) + trailer;
        if (payload.Length != expectedLength)
        {
            int room = payload.Length - HeaderLength - trailer;
            reason = room > 0 && room % addrLen == 0 ? VrrpRejectReason.BadAddressCount
                : payload.Length < expectedLength ? VrrpRejectReason.Truncated
                : VrrpRejectReason.BadLength;
            return false;
        }

        ushort interval = v2 ? (ushort)(payload[5] * 100) : (ushort)(BinaryPrimitives.ReadUInt16BigEndian(payload[4..]) & 0x0FFF);
        if (interval == 0)
        {
            reason = VrrpRejectReason.ZeroInterval;
            return false;
        }

        if (!context.ChecksumVerified)
        {
            reason = VerifyChecksum(payload, context, v2);
            if (reason != VrrpRejectReason.None)
            {
                return false;
            }
        }

        VrrpAuthType authType = VrrpAuthType.None;
        ReadOnlySpan<byte> authData = default;
        if (v2)
        {
            authType = (VrrpAuthType)payload[4];
            ReadOnlySpan<byte> rawAuth = payload.Slice(expectedLength - V2AuthDataLength, V2AuthDataLength);
            if (authType != context.AuthType ||
                (authType == VrrpAuthType.SimpleText && !AuthMatches(rawAuth, context.AuthData)))
            {
                reason = VrrpRejectReason.AuthenticationMismatch;
                return false;
            }

            authData = authType == VrrpAuthType.SimpleText ? TrimZeros(rawAuth) : default;
        }

        message = new VrrpMessage((VrrpVersion)versionBits, payload[1], payload[2], interval, context.IsIPv6,
            payload.Slice(HeaderLength, count * addrLen), authType, authData);
        reason = VrrpRejectReason.None;
        return true;
    }

    private static VrrpRejectReason VerifyChecksum(ReadOnlySpan<byte> payload, in VrrpReceiveContext context, bool v2)
    {
        if (v2)
        {
            return InternetChecksum.Verify(payload) ? VrrpRejectReason.None : VrrpRejectReason.BadChecksum;
        }

        bool messageOnlyOk = !context.IsIPv6 && context.ChecksumMode != VrrpChecksumMode.WithPseudoHeader && InternetChecksum.Verify(payload);
        if (messageOnlyOk)
        {
            return VrrpRejectReason.None;
        }

        if (!context.IsIPv6 && context.ChecksumMode == VrrpChecksumMode.MessageOnly)
        {
            return VrrpRejectReason.BadChecksum;
        }

        int addrLen = context.IsIPv6 ? 16 : 4;
        if (context.SourceAddress.Length != addrLen || context.DestinationAddress.Length != addrLen)
        {
            return VrrpRejectReason.BadIPHeader;
        }

        // The pseudo-header sum of the whole message, its checksum included, must be 0xFFFF.
        return ComputePseudoHeaderChecksum(payload, context.SourceAddress, context.DestinationAddress, context.IsIPv6) == 0
            ? VrrpRejectReason.None
            : VrrpRejectReason.BadChecksum;
    }

    private static bool AuthMatches(ReadOnlySpan<byte> received, ReadOnlySpan<byte> configured)
    {
        if (configured.Length > V2AuthDataLength)
        {
            return false;
        }

        // Compare the 8-byte field against the password padded with zeros.
        if (!received[..configured.Length].SequenceEqual(configured))
        {
            return false;
        }

        return !received[configured.Length..].ContainsAnyExcept((byte)0);
    }

    private static ReadOnlySpan<byte> TrimZeros(ReadOnlySpan<byte> auth)
    {
        int n = auth.Length;
        while (n > 0 && auth[n - 1] == 0)
        {
            n--;
        }

        return auth[..n];
    }
}
