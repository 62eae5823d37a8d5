using System.Security.Cryptography;

namespace VirtualIp.Vrrp.Auth;

/// <summary>
/// Signs sent adverts and verifies received ones for one router, as keepalived 2.4.3 <c>auth_hmac</c> does.
/// The HMAC-SHA256 input is a 20-byte pseudo header (4 or 6, VRRP version, VRID, 0, source address zero-padded to
/// 16 bytes), the VRRP message with its checksum field read as zero, the first 12 trailer bytes, and 16 zero bytes
/// in place of the HMAC; the first 16 digest bytes are sent. The IP header is not covered (TTL, destination and
/// checksum may differ between copies of one advert). One HMAC context per key is created up front: signing and
/// verifying allocate nothing. Not thread-safe: the router's lock guards it.
/// </summary>
internal sealed class VrrpAuthenticator : IDisposable
{
    /// <summary>The pseudo header length bound into the HMAC.</summary>
    public const int PseudoHeaderLength = 20;

    /// <summary>The smallest derived time window (keepalived's floor).</summary>
    public const int MinDerivedWindowSeconds = 5;

    /// <summary>The largest time window.</summary>
    public const int MaxWindowSeconds = 300;

    private static readonly byte[] s_zero = new byte[VrrpAuthTrailer.HmacLength];

    private readonly IncrementalHash?[] _hmacs = new IncrementalHash?[256];
    private readonly byte[] _pseudo = new byte[PseudoHeaderLength];
    private readonly VrrpAuthHmacMode _mode;
    private readonly bool _timeMode;
    private readonly int _windowSeconds;
    private readonly TimeProvider _time;
    private readonly VrrpReplayTable _replay;
    private ulong _sendSequence;
    private byte _activeKey;

    public VrrpAuthenticator(VrrpAuthKeyRing keys, VrrpAuthHmacMode mode, VrrpAntiReplay antiReplay, int windowSeconds,
        bool isIPv6, VrrpVersion version, byte vrid, int senders, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(time);
        foreach (byte id in keys.KeyIds)
        {
            _hmacs[id] = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, keys.Get(id)!);
        }

        _activeKey = keys.ActiveKeyId;
        _mode = mode;
        _timeMode = antiReplay == VrrpAntiReplay.Time;
        _windowSeconds = windowSeconds;
        _time = time;
        _replay = new VrrpReplayTable(Math.Max(VrrpReplayTable.MulticastSenders, senders), isIPv6);
        _pseudo[0] = isIPv6 ? (byte)6 : (byte)4;
        _pseudo[1] = (byte)version;
        _pseudo[2] = vrid;
    }

    /// <summary>Bytes appended to every sent advert: 28, or 0 in <see cref="VrrpAuthHmacMode.ReceiveOnly"/>.</summary>
    public int TrailerLength => _mode == VrrpAuthHmacMode.ReceiveOnly ? 0 : VrrpAuthTrailer.Length;

    /// <summary>The key id used when sending.</summary>
    public byte ActiveKeyId => _activeKey;

    /// <summary>The freshness window in seconds (time mode).</summary>
    public int WindowSeconds => _windowSeconds;

    /// <summary>keepalived's default window: 3 x the advert interval in whole seconds, at least 5 s, at most 300 s.</summary>
    public static int DefaultWindowSeconds(TimeSpan advertisementInterval) =>
        Math.Clamp((int)(3 * advertisementInterval.Ticks / TimeSpan.TicksPerSecond), MinDerivedWindowSeconds, MaxWindowSeconds);

    /// <summary>Switches the signing key to another configured one (hitless rotation). False when the id is unknown.</summary>
    public bool TrySetActiveKey(byte id)
    {
        if (_hmacs[id] is null)
        {
            return false;
        }

        _activeKey = id;
        return true;
    }

    /// <summary>
    /// Writes and signs the trailer at <paramref name="packet"/>[<paramref name="messageLength"/>..] for the message before
    /// it, sent from <paramref name="source"/>. Returns the new length (the message length when nothing is signed).
    /// </summary>
    public int Sign(Span<byte> packet, int messageLength, ReadOnlySpan<byte> source) =>
        _mode == VrrpAuthHmacMode.ReceiveOnly ? messageLength : Sign(packet, messageLength, source, _activeKey, NextSequence());

    /// <summary>Signs with an explicit key and sequence (rebuilding captured adverts byte for byte).</summary>
    internal int Sign(Span<byte> packet, int messageLength, ReadOnlySpan<byte> source, byte keyId, ulong sequence)
    {
        var message = packet[..messageLength];
        var trailer = packet.Slice(messageLength, VrrpAuthTrailer.Length);
        VrrpAuthTrailer.WriteUnsigned(trailer, keyId, sequence);
        Span<byte> digest = stackalloc byte[32];
        SetPseudoSource(source);
        Compute(_hmacs[keyId] ?? throw new ArgumentException($"Key {keyId} is not configured.", nameof(keyId)), message, trailer[..VrrpAuthTrailer.HmacOffset], digest);
        digest[..VrrpAuthTrailer.HmacLength].CopyTo(trailer[VrrpAuthTrailer.HmacOffset..]);
        return messageLength + VrrpAuthTrailer.Length;
    }

    /// <summary>
    /// Verifies a received advert: <paramref name="message"/> (already validated by the codec), its
    /// <paramref name="trailer"/> (empty when it had none) and the IP <paramref name="source"/>. Returns
    /// <see cref="VrrpRejectReason.None"/> when it may reach the state machine. Never throws.
    /// </summary>
    public VrrpRejectReason Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> trailer, ReadOnlySpan<byte> source)
    {
        if (trailer.IsEmpty)
        {
            return _mode == VrrpAuthHmacMode.Enforce ? VrrpRejectReason.AuthenticationMissing : VrrpRejectReason.None;
        }

        if (!VrrpAuthTrailer.TryRead(trailer, out var t) || t.ExtType != VrrpAuthTrailer.TypeHmacSha256 || t.Reserved != 0 ||
            message.Length < VrrpCodec.HeaderLength || source.Length is not (4 or 16))
        {
            return VrrpRejectReason.AuthenticationMalformed;
        }

        // The timestamp is not authenticated yet: this only rejects (cheaply, before the HMAC), it never grants trust.
        uint now = 0;
        if (_timeMode)
        {
            now = NowSeconds();
            int delta = (int)(now - t.Seconds);
            if (delta > _windowSeconds || delta < -_windowSeconds)
            {
                return VrrpRejectReason.Stale;
            }
        }

        var hmac = _hmacs[t.KeyId];
        if (hmac is null)
        {
            return VrrpRejectReason.UnknownKey;
        }

        Span<byte> digest = stackalloc byte[32];
        SetPseudoSource(source);
        Compute(hmac, message, trailer[..VrrpAuthTrailer.HmacOffset], digest);
        if (!CryptographicOperations.FixedTimeEquals(digest[..VrrpAuthTrailer.HmacLength], t.Hmac))
        {
            return VrrpRejectReason.BadHmac;
        }

        return _replay.TryAccept(source, t.Sequence, _timeMode ? _windowSeconds : 0, now) ? VrrpRejectReason.None : VrrpRejectReason.Replay;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        for (int i = 0; i < _hmacs.Length; i++)
        {
            _hmacs[i]?.Dispose();
            _hmacs[i] = null;
        }
    }

    private void Compute(IncrementalHash hmac, ReadOnlySpan<byte> message, ReadOnlySpan<byte> trailerPrefix, Span<byte> digest)
    {
        hmac.AppendData(_pseudo);
        hmac.AppendData(message[..6]);
        hmac.AppendData(s_zero.AsSpan(0, 2)); // the checksum field, read as zero
        hmac.AppendData(message[8..]);
        hmac.AppendData(trailerPrefix);
        hmac.AppendData(s_zero); // the HMAC field, read as zero
        hmac.TryGetHashAndReset(digest, out _);
    }

    private void SetPseudoSource(ReadOnlySpan<byte> source)
    {
        var address = _pseudo.AsSpan(4);
        address.Clear();
        source[..Math.Min(source.Length, 16)].CopyTo(address);
    }

    /// <summary>keepalived's time-based sequence: max(clock, last + 1), restarting from the clock after a large step back.</summary>
    private ulong NextSequence()
    {
        long ticks = _time.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks;
        ulong seconds = (uint)(ticks / TimeSpan.TicksPerSecond);
        ulong fraction = (ulong)(ticks % TimeSpan.TicksPerSecond << 16) / TimeSpan.TicksPerSecond;
        ulong clock = (seconds << 32) | (fraction << 16);
        if ((long)(clock - _sendSequence) > 0)
        {
            _sendSequence = clock;
            return clock;
        }

        int ahead = (int)((uint)(_sendSequence >> 32) - (uint)seconds);
        _sendSequence = _timeMode && ahead > _windowSeconds ? clock : _sendSequence + 1;
        return _sendSequence;
    }

    private uint NowSeconds() => (uint)((_time.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond);
}
