using VirtualIp.Vrrp;
using VirtualIp.Vrrp.Auth;

namespace VirtualIp.Fuzz.Targets;

/// <summary>
/// The VRRP codec (v2/v3, IPv4/IPv6) and the auth_hmac trailer: split, read, and verify with a known key ring.
/// Input: byte 0 = policy bits (bit 0 IPv6; bits 1-2 checksum mode; bits 3-4 expected version: any/2/3; bit 5 VRRPv2
/// simple-text auth required; bit 6 checksum already verified; bit 7 verify the HMAC trailer), byte 1 = TTL, then the
/// IP source and destination (4 or 16 bytes each), then the VRRP payload. Seeds are keepalived's captured adverts.
/// </summary>
internal static class VrrpTarget
{
    /// <summary>The keys of tests/vectors/keepalived-2.4.3-hmac (ids 1 and 2), so captured trailers verify.</summary>
    private static readonly byte[] s_key1 = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private static readonly byte[] s_key2 = "vrrp-hmac-test-key-two-0123456789abcdef"u8.ToArray();
    private static readonly byte[] s_password = "secret12"u8.ToArray();

    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
        {
            return;
        }

        byte policy = input[0];
        bool ipv6 = (policy & 1) != 0;
        int addressLength = ipv6 ? 16 : 4;
        if (input.Length < 2 + (2 * addressLength))
        {
            return;
        }

        var source = input.Slice(2, addressLength);
        var destination = input.Slice(2 + addressLength, addressLength);
        var payload = input[(2 + (2 * addressLength))..];
        var context = new VrrpReceiveContext(ipv6, input[1], source, destination)
        {
            ChecksumMode = ((policy >> 1) & 3) switch { 0 => VrrpChecksumMode.WithPseudoHeader, 1 => VrrpChecksumMode.MessageOnly, _ => VrrpChecksumMode.AcceptEither },
            ExpectedVersion = ((policy >> 3) & 3) switch { 1 => VrrpVersion.V2, 2 => VrrpVersion.V3, _ => null },
            AuthType = (policy & 0x20) != 0 ? VrrpAuthType.SimpleText : VrrpAuthType.None,
            AuthData = (policy & 0x20) != 0 ? s_password : default,
            ChecksumVerified = (policy & 0x40) != 0,
        };

        // As the transports do: a trailer is found by length first, the codec validates the message without it.
        bool hasTrailer = VrrpAuthTrailer.TrySplit(payload, ipv6, out var message, out var trailer);
        if (!VrrpCodec.TryRead(message, context, out var decoded, out _))
        {
            return;
        }

        _ = decoded.Addresses.Length;
        if (hasTrailer && VrrpAuthTrailer.TryRead(trailer, out var t))
        {
            _ = t.Seconds;
        }

        if ((policy & 0x80) != 0)
        {
            using var verifier = new VrrpAuthenticator(VrrpAuthKeyRing.Create(1, (1, s_key1), (2, s_key2)), VrrpAuthHmacMode.Enforce,
                VrrpAntiReplay.Monotonic, 5, ipv6, decoded.Version, decoded.VirtualRouterId, 0, TimeProvider.System);
            _ = verifier.Verify(message, trailer, source);
        }
    }
}
