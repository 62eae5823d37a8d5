using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Testing;
using VirtualIp.Tests.Frames;
using VirtualIp.Tests.Vrrp.Codec;
using VirtualIp.Vrrp;
using VirtualIp.Vrrp.Auth;

namespace VirtualIp.Tests.Vrrp.Auth;

/// <summary>
/// Adverts captured from keepalived 2.4.3 with <c>auth_hmac</c> (tests/vectors/keepalived-2.4.3-hmac, see its README):
/// our codec parses the trailer, verifies the HMAC with the known key, and rebuilds every payload byte for byte with
/// the captured sequence (keepalived's sequence is its clock, so it is taken from the capture).
/// </summary>
public sealed class KeepalivedHmacVectorTests
{
    internal static readonly byte[] Key1 = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    internal static readonly byte[] Key2 = "vrrp-hmac-test-key-two-0123456789abcdef"u8.ToArray();

    public static TheoryData<string, int> Captures => new()
    {
        { "vrrp3-ipv4-hmac-key1.pcap", 1 },
        { "vrrp3-ipv6-hmac-key1.pcap", 1 },
        { "vrrp2-ipv4-hmac-key1.pcap", 1 },
        { "vrrp3-ipv4-unicast-hmac-key1.pcap", 1 },
        { "vrrp3-ipv4-hmac-key2.pcap", 2 },
        { "vrrp3-ipv6-hmac-key2.pcap", 2 },
    };

    internal static IEnumerable<(bool IsIPv6, byte Ttl, byte[] Src, byte[] Dst, byte[] Payload)> Adverts(string file)
    {
        foreach (var frame in PcapFile.ReadFile(Path.Combine(TestEnvironment.RepositoryVectors("keepalived-2.4.3-hmac"), file)))
        {
            if (VrrpCodecVectorTests.Split(frame) is { } p)
            {
                yield return p;
            }
        }
    }

    private static VrrpAuthenticator Authenticator(bool ipv6, VrrpVersion version, FakeTimeProvider time, int activeKey = 1) =>
        new(VrrpAuthKeyRing.Create((byte)activeKey, (1, Key1), (2, Key2)), VrrpAuthHmacMode.Enforce, VrrpAntiReplay.Time, 5, ipv6, version, 51, 0, time);

    [Theory]
    [MemberData(nameof(Captures))]
    public void Keepalived_trailers_verify_and_rebuild_byte_exact(string file, int keyId)
    {
        int seen = 0;
        foreach (var p in Adverts(file))
        {
            seen++;
            Assert.True(VrrpAuthTrailer.TrySplit(p.Payload, p.IsIPv6, out var message, out var trailerBytes), $"{file}: no trailer found by length");
            Assert.True(VrrpAuthTrailer.TryRead(trailerBytes, out var trailer));
            Assert.Equal(1, trailer.ExtType);
            Assert.Equal(keyId, trailer.KeyId);
            Assert.Equal(0, trailer.Reserved);

            // The VRRP checksum: IPv4 covers the message only (keepalived computes it before appending the trailer);
            // IPv6 covers the whole payload, trailer included (the kernel computes it, IPV6_CHECKSUM).
            var ctx = new VrrpReceiveContext(p.IsIPv6, p.Ttl, p.Src, p.Dst) { ChecksumVerified = p.IsIPv6 };
            Assert.True(VrrpCodec.TryRead(message, ctx, out var decoded, out var reason), $"{file}: {reason}");
            if (p.IsIPv6)
            {
                Assert.Equal(0, VrrpCodec.ComputePseudoHeaderChecksum(p.Payload, p.Src, p.Dst, ipv6: true));
            }

            // Verify with the known key at the capture's time.
            var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(trailer.Seconds));
            using var verifier = Authenticator(p.IsIPv6, decoded.Version, time);
            Assert.Equal(VrrpRejectReason.None, verifier.Verify(message, trailerBytes, p.Src));
            Assert.Equal(VrrpRejectReason.Replay, verifier.Verify(message, trailerBytes, p.Src));

            // Rebuild: our codec writes the message, our signer the trailer with the captured sequence.
            var rebuilt = new byte[p.Payload.Length];
            int length = VrrpCodec.Write(rebuilt, decoded, p.Src, p.Dst);
            Assert.Equal(message.Length, length);
            using var signer = Authenticator(p.IsIPv6, decoded.Version, time, keyId);
            Assert.Equal(p.Payload.Length, signer.Sign(rebuilt, length, p.Src, (byte)keyId, trailer.Sequence));
            if (p.IsIPv6)
            {
                BinaryPrimitives.WriteUInt16BigEndian(rebuilt.AsSpan(6), 0);
                BinaryPrimitives.WriteUInt16BigEndian(rebuilt.AsSpan(6), VrrpCodec.ComputePseudoHeaderChecksum(rebuilt, p.Src, p.Dst, ipv6: true));
            }

            Assert.Equal(Convert.ToHexString(p.Payload), Convert.ToHexString(rebuilt));
        }

        Assert.True(seen >= 2, $"{file}: only {seen} adverts");
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Altered_captures_are_rejected_with_the_reason(string file, int keyId)
    {
        var p = Adverts(file).First();
        VrrpAuthTrailer.TrySplit(p.Payload, p.IsIPv6, out var message, out var trailerBytes);
        VrrpAuthTrailer.TryRead(trailerBytes, out var trailer);
        var version = (VrrpVersion)(message[0] >> 4);
        var at = DateTimeOffset.FromUnixTimeSeconds(trailer.Seconds);

        // Priority raised to 255 by an attacker: the HMAC no longer verifies.
        var forged = p.Payload.ToArray();
        forged[2] = 255;
        using (var v = Authenticator(p.IsIPv6, version, new FakeTimeProvider(at)))
        {
            Assert.Equal(VrrpRejectReason.BadHmac, v.Verify(forged.AsSpan(0, message.Length), forged.AsSpan(message.Length), p.Src));
        }

        // Another sender address (the pseudo header binds the source).
        var other = p.Src.ToArray();
        other[^1] ^= 1;
        using (var v = Authenticator(p.IsIPv6, version, new FakeTimeProvider(at)))
        {
            Assert.Equal(VrrpRejectReason.BadHmac, v.Verify(message, trailerBytes, other));
        }

        // Replayed later than the window (5 s).
        using (var v = Authenticator(p.IsIPv6, version, new FakeTimeProvider(at.AddSeconds(6))))
        {
            Assert.Equal(VrrpRejectReason.Stale, v.Verify(message, trailerBytes, p.Src));
        }

        // A receiver that only knows the other key.
        var ring = VrrpAuthKeyRing.Create((byte)(3 - keyId), ((byte)(3 - keyId), keyId == 1 ? Key2 : Key1));
        using (var v = new VrrpAuthenticator(ring, VrrpAuthHmacMode.Enforce, VrrpAntiReplay.Time, 5, p.IsIPv6, version, 51, 0, new FakeTimeProvider(at)))
        {
            Assert.Equal(VrrpRejectReason.UnknownKey, v.Verify(message, trailerBytes, p.Src));
        }
    }
}
