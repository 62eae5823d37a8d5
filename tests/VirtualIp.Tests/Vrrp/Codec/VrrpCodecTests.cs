using System.Buffers.Binary;
using VirtualIp.Frames;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Vrrp.Codec;

public sealed class VrrpCodecTests
{
    private static readonly byte[] Src4 = [192, 0, 2, 11];
    private static readonly byte[] Dst4 = [224, 0, 0, 18];
    private static readonly byte[] Vip4 = [192, 0, 2, 100];
    private static readonly byte[] Src6 = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0, 1];
    private static readonly byte[] Dst6 = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12];
    private static readonly byte[] Vip6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];

    private static byte[] V3IPv4(byte priority = 150, ushort interval = 100, VrrpChecksumMode mode = VrrpChecksumMode.WithPseudoHeader)
    {
        var buf = new byte[12];
        VrrpCodec.Write(buf, new VrrpMessage(VrrpVersion.V3, 51, priority, interval, false, Vip4), Src4, Dst4, mode);
        return buf;
    }

    private static byte[] V2(VrrpAuthType auth = VrrpAuthType.None, ReadOnlySpan<byte> pass = default)
    {
        var buf = new byte[20];
        VrrpCodec.Write(buf, new VrrpMessage(VrrpVersion.V2, 51, 150, 100, false, Vip4, auth, pass), Src4, Dst4);
        return buf;
    }

    private static VrrpReceiveContext Ctx4(byte ttl = 255) => new(false, ttl, Src4, Dst4);

    private static VrrpRejectReason Reject(byte[] payload, VrrpReceiveContext ctx)
    {
        Assert.False(VrrpCodec.TryRead(payload, ctx, out _, out var reason));
        Assert.NotEqual(VrrpRejectReason.None, reason);
        return reason;
    }

    private static void FixMessageChecksum(byte[] payload)
    {
        payload[6] = payload[7] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(6), InternetChecksum.Compute(payload));
    }

    private static void FixPseudoChecksum(byte[] payload)
    {
        payload[6] = payload[7] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(6), VrrpCodec.ComputePseudoHeaderChecksum(payload, Src4, Dst4, false));
    }

    [Fact]
    public void Message_only_checksum_round_trips_and_is_rejected_by_pseudo_header_policy()
    {
        var p = V3IPv4(mode: VrrpChecksumMode.MessageOnly);
        Assert.True(InternetChecksum.Verify(p));
        Assert.True(VrrpCodec.TryRead(p, Ctx4(), out var m, out _));
        Assert.Equal(150, m.Priority);
        Assert.True(VrrpCodec.TryRead(p, Ctx4() with { ChecksumMode = VrrpChecksumMode.MessageOnly }, out _, out _));
        Assert.Equal(VrrpRejectReason.BadChecksum, Reject(p, Ctx4() with { ChecksumMode = VrrpChecksumMode.WithPseudoHeader }));
    }

    [Fact]
    public void Every_rejection_has_its_reason()
    {
        Assert.Equal(VrrpRejectReason.Truncated, Reject(V3IPv4()[..7], Ctx4()));
        Assert.Equal(VrrpRejectReason.Truncated, Reject([], Ctx4()));

        var bad = V3IPv4();
        bad[0] = 0x41;
        Assert.Equal(VrrpRejectReason.BadVersion, Reject(bad, Ctx4()));
        Assert.Equal(VrrpRejectReason.BadVersion, Reject(V3IPv4(), Ctx4() with { ExpectedVersion = VrrpVersion.V2 }));
        Assert.Equal(VrrpRejectReason.BadVersion, Reject(V2(), new VrrpReceiveContext(true, 255, Src6, Dst6)));

        bad = V3IPv4();
        bad[0] = 0x32;
        Assert.Equal(VrrpRejectReason.BadType, Reject(bad, Ctx4()));

        Assert.Equal(VrrpRejectReason.BadTtl, Reject(V3IPv4(), Ctx4(254)));
        Assert.Equal(VrrpRejectReason.BadTtl, Reject(V3IPv4(), Ctx4(1)));

        bad = V3IPv4();
        bad[3] = 0;
        Assert.Equal(VrrpRejectReason.BadAddressCount, Reject(bad, Ctx4()));
        bad[3] = 2; // claims two addresses, holds one
        Assert.Equal(VrrpRejectReason.BadAddressCount, Reject(bad, Ctx4()));

        var longer = new byte[13];
        V3IPv4().CopyTo(longer, 0);
        Assert.Equal(VrrpRejectReason.BadLength, Reject(longer, Ctx4()));
        Assert.Equal(VrrpRejectReason.Truncated, Reject(V3IPv4()[..10], Ctx4()));
        Assert.Equal(VrrpRejectReason.Truncated, Reject(V2()[..19], Ctx4()));
        var v2Longer = new byte[21];
        V2().CopyTo(v2Longer, 0);
        Assert.Equal(VrrpRejectReason.BadLength, Reject(v2Longer, Ctx4()));
        Assert.Equal(VrrpRejectReason.Truncated, Reject(V2()[..12], Ctx4()));

        bad = V3IPv4();
        bad[4] = 0xF0; // reserved bits set, interval 0
        bad[5] = 0;
        FixPseudoChecksum(bad);
        Assert.Equal(VrrpRejectReason.ZeroInterval, Reject(bad, Ctx4()));
        var v2zero = V2();
        v2zero[5] = 0;
        FixMessageChecksum(v2zero);
        Assert.Equal(VrrpRejectReason.ZeroInterval, Reject(v2zero, Ctx4()));

        bad = V3IPv4();
        bad[2] ^= 1;
        Assert.Equal(VrrpRejectReason.BadChecksum, Reject(bad, Ctx4()));
        var v2bad = V2();
        v2bad[19] ^= 1;
        Assert.Equal(VrrpRejectReason.BadChecksum, Reject(v2bad, Ctx4()));

        Assert.Equal(VrrpRejectReason.AuthenticationMismatch, Reject(V2(VrrpAuthType.SimpleText, "pw"u8), Ctx4()));
        Assert.Equal(VrrpRejectReason.AuthenticationMismatch,
            Reject(V2(VrrpAuthType.SimpleText, "pw"u8), Ctx4() with { AuthType = VrrpAuthType.SimpleText, AuthData = "pw2"u8 }));
        Assert.Equal(VrrpRejectReason.AuthenticationMismatch, Reject(V2(), Ctx4() with { AuthType = VrrpAuthType.SimpleText, AuthData = "pw"u8 }));

        // Missing addresses for the pseudo-header.
        Assert.Equal(VrrpRejectReason.BadIPHeader, Reject(V3IPv4(), new VrrpReceiveContext(false, 255, default, default) { ChecksumMode = VrrpChecksumMode.WithPseudoHeader }));
    }

    [Fact]
    public void Reserved_bits_are_ignored_on_receive()
    {
        var p = V3IPv4();
        p[4] |= 0xF0;
        FixPseudoChecksum(p);
        Assert.True(VrrpCodec.TryRead(p, Ctx4(), out var m, out _));
        Assert.Equal(100, m.IntervalCentiseconds);
    }

    [Fact]
    public void V2_password_is_zero_padded_and_returned_trimmed()
    {
        var p = V2(VrrpAuthType.SimpleText, "pw"u8);
        Assert.Equal("pw\0\0\0\0\0\0"u8.ToArray(), p[12..20]);
        Assert.True(VrrpCodec.TryRead(p, Ctx4() with { AuthType = VrrpAuthType.SimpleText, AuthData = "pw"u8 }, out var m, out _));
        Assert.Equal("pw"u8.ToArray(), m.AuthData.ToArray());
        Assert.Equal(VrrpAuthType.SimpleText, m.AuthType);
    }

    [Fact]
    public void Write_rejects_invalid_fields_with_a_clear_message()
    {
        var buf = new byte[64];
        void Throws(VrrpVersion v, byte vrid, ushort interval, bool v6, byte[] addrs, string fragment, VrrpChecksumMode mode = VrrpChecksumMode.WithPseudoHeader, int size = 64, byte[]? auth = null)
        {
            var ex = Assert.Throws<ArgumentException>(() =>
                VrrpCodec.Write(buf.AsSpan(0, size), new VrrpMessage(v, vrid, 100, interval, v6, addrs, auth is null ? VrrpAuthType.None : VrrpAuthType.SimpleText, auth),
                    v6 ? Src6 : Src4, v6 ? Dst6 : Dst4, mode));
            Assert.Contains(fragment, ex.Message, StringComparison.Ordinal);
        }

        Throws(VrrpVersion.V2, 1, 150, false, Vip4, "whole number of seconds");
        Throws(VrrpVersion.V2, 1, 0, false, Vip4, "whole number of seconds");
        Throws(VrrpVersion.V2, 1, 25600, false, Vip4, "whole number of seconds");
        Throws(VrrpVersion.V3, 1, 0, false, Vip4, "1 to 4095");
        Throws(VrrpVersion.V3, 1, 4096, false, Vip4, "1 to 4095");
        Throws(VrrpVersion.V3, 0, 100, false, Vip4, "VRID");
        Throws(VrrpVersion.V3, 1, 100, false, [1, 2, 3], "address list");
        Throws(VrrpVersion.V3, 1, 100, false, [], "address list");
        Throws(VrrpVersion.V2, 1, 100, true, Vip6, "IPv4 addresses only");
        Throws(VrrpVersion.V3, 1, 100, false, Vip4, "needs 12 bytes", size: 11);
        Throws(VrrpVersion.V2, 1, 100, false, Vip4, "needs 20 bytes", size: 19);
        Throws(VrrpVersion.V2, 1, 100, false, Vip4, "at most 8 bytes", auth: new byte[9]);
        Throws(VrrpVersion.V3, 1, 100, false, Vip4, "receive policy", VrrpChecksumMode.AcceptEither);
        Throws((VrrpVersion)4, 1, 100, false, Vip4, "not supported");
        Assert.Throws<ArgumentException>(() => VrrpCodec.Write(buf, new VrrpMessage(VrrpVersion.V3, 1, 1, 100, false, Vip4), [1, 2], Dst4));

        // Boundaries that are valid.
        Assert.Equal(12, VrrpCodec.Write(buf, new VrrpMessage(VrrpVersion.V3, 255, 255, 4095, false, Vip4), Src4, Dst4));
        Assert.Equal(20, VrrpCodec.Write(buf, new VrrpMessage(VrrpVersion.V2, 1, 0, 25500, false, Vip4), Src4, Dst4));
        Assert.Equal(24, VrrpCodec.Write(buf, new VrrpMessage(VrrpVersion.V3, 1, 0, 1, true, Vip6), Src6, Dst6));
    }

    [Fact]
    public void Random_messages_round_trip()
    {
        var rng = new Random(5798);
        var buf = new byte[8 + (255 * 16) + 8];
        for (int i = 0; i < 3000; i++)
        {
            var version = rng.Next(2) == 0 ? VrrpVersion.V2 : VrrpVersion.V3;
            bool v6 = version == VrrpVersion.V3 && rng.Next(2) == 0;
            int count = rng.Next(1, rng.Next(2) == 0 ? 4 : 256);
            var addrs = new byte[count * (v6 ? 16 : 4)];
            rng.NextBytes(addrs);
            var src = new byte[v6 ? 16 : 4];
            var dst = new byte[v6 ? 16 : 4];
            rng.NextBytes(src);
            rng.NextBytes(dst);
            ushort interval = version == VrrpVersion.V2 ? (ushort)(rng.Next(1, 256) * 100) : (ushort)rng.Next(1, 4096);
            var auth = version == VrrpVersion.V2 && rng.Next(2) == 0 ? VrrpAuthType.SimpleText : VrrpAuthType.None;
            var pass = new byte[rng.Next(1, 9)];
            for (int k = 0; k < pass.Length; k++)
            {
                pass[k] = (byte)rng.Next(1, 256);
            }

            var mode = rng.Next(2) == 0 ? VrrpChecksumMode.WithPseudoHeader : VrrpChecksumMode.MessageOnly;
            var msg = new VrrpMessage(version, (byte)rng.Next(1, 256), (byte)rng.Next(256), interval, v6, addrs, auth, auth == VrrpAuthType.SimpleText ? pass : default);
            int n = VrrpCodec.Write(buf, msg, src, dst, mode);
            Assert.Equal(VrrpCodec.GetEncodedLength(msg), n);

            var ctx = new VrrpReceiveContext(v6, 255, src, dst) { AuthType = auth, AuthData = auth == VrrpAuthType.SimpleText ? pass : default };
            Assert.True(VrrpCodec.TryRead(buf.AsSpan(0, n), ctx, out var back, out var reason), $"case {i}: {reason}");
            Assert.Equal(msg.Version, back.Version);
            Assert.Equal(msg.VirtualRouterId, back.VirtualRouterId);
            Assert.Equal(msg.Priority, back.Priority);
            Assert.Equal(msg.IntervalCentiseconds, back.IntervalCentiseconds);
            Assert.Equal(count, back.AddressCount);
            Assert.True(back.Addresses.SequenceEqual(addrs));
            Assert.Equal(auth, back.AuthType);
            if (auth == VrrpAuthType.SimpleText)
            {
                Assert.True(back.AuthData.SequenceEqual(pass));
            }
        }
    }

    [Fact]
    public void Random_and_truncated_bytes_never_throw()
    {
        var rng = new Random(3768);
        var buf = new byte[200];
        int accepted = 0;
        var reasons = new HashSet<VrrpRejectReason>();
        for (int i = 0; i < 20000; i++)
        {
            int len = rng.Next(0, buf.Length);
            rng.NextBytes(buf);
            if (i % 2 == 0 && len >= 8)
            {
                // Plausible headers reach the deeper checks.
                buf[0] = rng.Next(2) == 0 ? (byte)0x31 : (byte)0x21;
                buf[3] = (byte)rng.Next(0, 5);
            }

            bool v6 = rng.Next(2) == 0;
            var ctx = new VrrpReceiveContext(v6, rng.Next(4) == 0 ? (byte)rng.Next(256) : (byte)255, v6 ? Src6 : Src4, v6 ? Dst6 : Dst4)
            {
                ChecksumVerified = rng.Next(2) == 0,
                ChecksumMode = (VrrpChecksumMode)rng.Next(3),
            };
            if (VrrpCodec.TryRead(buf.AsSpan(0, len), ctx, out _, out var reason))
            {
                accepted++;
                Assert.Equal(VrrpRejectReason.None, reason);
            }
            else
            {
                Assert.NotEqual(VrrpRejectReason.None, reason);
                reasons.Add(reason);
            }
        }

        // The noise reached the deeper checks, not only the length check: each of these reasons was given.
        Assert.Superset(new HashSet<VrrpRejectReason> { VrrpRejectReason.Truncated, VrrpRejectReason.BadVersion, VrrpRejectReason.BadType, VrrpRejectReason.BadTtl }, reasons);

        // Every prefix of a valid message is rejected.
        var valid = V2(VrrpAuthType.SimpleText, "pw"u8);
        for (int len = 0; len < valid.Length; len++)
        {
            Assert.False(VrrpCodec.TryRead(valid.AsSpan(0, len), Ctx4() with { AuthType = VrrpAuthType.SimpleText, AuthData = "pw"u8 }, out _, out _));
        }
    }

    [Fact]
    public void Encode_and_decode_allocate_nothing()
    {
        var buf = new byte[64];
        void Run(int iterations)
        {
            var ctx = Ctx4();
            for (int i = 0; i < iterations; i++)
            {
                var msg = new VrrpMessage(VrrpVersion.V3, 51, 150, 100, false, Vip4);
                int n = VrrpCodec.Write(buf, msg, Src4, Dst4);
                if (!VrrpCodec.TryRead(buf.AsSpan(0, n), ctx, out _, out _))
                {
                    throw new InvalidOperationException("round trip failed");
                }
            }
        }

        Run(100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
