using System.Buffers.Binary;
using VirtualIp.Election;
using VirtualIp.Vrrp.Auth;

namespace VirtualIp.Vrrp;

/// <summary>The router's hooks for authenticated adverts (keepalived <c>auth_hmac</c>); the logic is in <see cref="VrrpAuthenticator"/>.</summary>
internal sealed partial class VrrpRouter
{
    private readonly VrrpAuthenticator? _auth;

    /// <summary>The signing key id, or null without AuthHmac (tests).</summary>
    internal byte? ActiveAuthKeyId
    {
        get
        {
            lock (_gate)
            {
                return _auth?.ActiveKeyId;
            }
        }
    }

    /// <summary>Hitless rotation: sign with another configured key from the next advert on. False when the id is not configured.</summary>
    internal bool TrySetActiveAuthKey(byte id)
    {
        lock (_gate)
        {
            return _auth?.TrySetActiveKey(id) ?? false;
        }
    }

    private static VrrpAuthenticator? CreateAuthenticator(VrrpRouterConfiguration options, TimeProvider time)
    {
        if (options.AuthHmac is not { } hmac)
        {
            return null;
        }

        var errors = new List<string>();
        var keys = VrrpAuthKeyRing.TryLoad(hmac, $"VrrpRouterOptions '{options.Name}':AuthHmac", errors)
            ?? throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        bool ipv6 = options.Vips[0].IsIPv6;
        return new VrrpAuthenticator(keys, hmac.Mode, hmac.AntiReplay, VrrpAuthHmacOptionsValidator.WindowSeconds(hmac, options.AdvertisementInterval),
            ipv6, options.Version, (byte)options.VirtualRouterId, options.UnicastPeers.Count, time);
    }

    /// <summary>
    /// Signs the advert in send buffer <paramref name="index"/> once per logical advert (destination 0); the copies for other
    /// destinations carry the same trailer, as keepalived's do (the HMAC covers neither destination nor checksum).
    /// IPv6: the checksum then covers the trailer too, as the kernel computes it (IPV6_CHECKSUM).
    /// </summary>
    private int SignLocked(int index, int messageLength, ReadOnlySpan<byte> destination)
    {
        var buffer = _sendBuffers[index];
        int length;
        if (index == 0)
        {
            length = _auth!.Sign(buffer, messageLength, _mux.LocalAddressBytes);
        }
        else
        {
            length = messageLength + _auth!.TrailerLength;
            _sendBuffers[0].AsSpan(messageLength, _auth.TrailerLength).CopyTo(buffer.AsSpan(messageLength));
        }

        if (_isIPv6 && length != messageLength)
        {
            var packet = buffer.AsSpan(0, length);
            BinaryPrimitives.WriteUInt16BigEndian(packet[6..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(packet[6..], VrrpCodec.ComputePseudoHeaderChecksum(packet, _mux.LocalAddressBytes, destination, ipv6: true));
        }

        return length;
    }

    /// <summary>
    /// Splits a received payload into the VRRP message and its trailer (empty when it has none). IPv6: a checksum the
    /// kernel did not verify is checked over the whole payload, trailer included. False (counted) when it fails.
    /// </summary>
    private bool TrySplitTrailerLocked(scoped in VrrpReceivedPacket packet, out ReadOnlySpan<byte> message, out ReadOnlySpan<byte> trailer, out bool checksumVerified)
    {
        checksumVerified = packet.ChecksumVerified;
        if (!VrrpAuthTrailer.TrySplit(packet.Payload, packet.IsIPv6, out message, out trailer) || !packet.IsIPv6 || checksumVerified)
        {
            return true;
        }

        if (packet.SourceAddress.Length != 16 || packet.DestinationAddress.Length != 16 ||
            VrrpCodec.ComputePseudoHeaderChecksum(packet.Payload, packet.SourceAddress, packet.DestinationAddress, ipv6: true) != 0)
        {
            RejectLocked(VrrpRejectReason.BadChecksum);
            return false;
        }

        checksumVerified = true;
        return true;
    }
}
