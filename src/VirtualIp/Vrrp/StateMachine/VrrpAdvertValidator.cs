using Microsoft.Extensions.Logging;
using VirtualIp.Election;
using VirtualIp.Vrrp.Auth;

namespace VirtualIp.Vrrp;

/// <summary>
/// The checks a received packet passes before the RFC 9568 receive rules see it (TTL / hop limit with the unicast-peer
/// exemption, family, auth_hmac trailer and checksum, known peers, the codec's validation, VRID, version, HMAC and
/// replay), and the counted, rate-limited reporting of what fails (RFC 9568 7.1: SHOULD log, subject to rate limiting:
/// the first per reason, then one summary per minute). Used under the router's lock; allocation-free.
/// </summary>
internal sealed class VrrpAdvertValidator
{
    private readonly string _name;
    private readonly byte _vrid;
    private readonly VrrpVersion _version;
    private readonly bool _isIPv6;
    private readonly int _addressLength;
    private readonly VrrpAuthType _authType;
    private readonly byte[] _authData;
    private readonly VrrpAuthenticator? _auth;
    private readonly VrrpRouterCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RejectLogLimiter _warnings;

    // Sources accepted at all (unicast and known peers; null: anyone).
    private readonly byte[][]? _knownPeers;

    // Unicast peers whose adverts are accepted whatever their TTL / hop limit (null: multicast, or StrictUnicastTtl).
    private readonly byte[][]? _ttlExemptPeers;

    public VrrpAdvertValidator(VrrpRouterConfiguration options, VrrpAuthType authType, byte[] authData, VrrpAuthenticator? auth,
        VrrpRouterCounters counters, TimeProvider time, ILogger logger)
    {
        _name = options.Name;
        _vrid = (byte)options.VirtualRouterId;
        _version = options.Version;
        _isIPv6 = options.Vips[0].IsIPv6;
        _addressLength = _isIPv6 ? 16 : 4;
        _authType = authType;
        _authData = authData;
        _auth = auth;
        _counters = counters;
        _time = time;
        _logger = logger;

        var peers = new List<byte[]>();
        foreach (var p in options.UnicastPeers)
        {
            peers.Add(p.GetAddressBytes());
        }

        foreach (var p in options.KnownPeers)
        {
            peers.Add(p.GetAddressBytes());
        }

        _knownPeers = peers.Count > 0 ? [.. peers] : null;
        _ttlExemptPeers = options.UnicastPeers is { Count: > 0 } unicast && !options.StrictUnicastTtl
            ? [.. unicast.Select(p => p.GetAddressBytes())]
            : null;
        _warnings = new RejectLogLimiter(VrrpRouterStatistics.ReasonCount + 2, 60 * time.TimestampFrequency);
    }

    private static int IntervalMismatchKey => VrrpRouterStatistics.ReasonCount;

    private static int AddressMismatchKey => VrrpRouterStatistics.ReasonCount + 1;

    /// <summary>
    /// Runs every check in order. <see cref="VrrpRejectReason.None"/>: <paramref name="message"/> is a valid advert for
    /// this router. Otherwise the caller reports the reason with <see cref="Reject"/>; for
    /// <see cref="VrrpRejectReason.UnexpectedSource"/>, <paramref name="strangerPriority"/> is the priority of a
    /// well-formed advert for our VRID (a conflict), else −1.
    /// </summary>
    public VrrpRejectReason Check(scoped in VrrpReceivedPacket packet, out VrrpMessage message, out int strangerPriority)
    {
        message = default;
        strangerPriority = -1;

        // Unicast adverts from a configured peer are taken whatever their hop limit (StrictUnicastTtl turns that off).
        bool ttlExempt = packet.Ttl != 255 && Contains(_ttlExemptPeers, packet.SourceAddress);
        if (packet.Ttl != 255 && !ttlExempt)
        {
            return VrrpRejectReason.BadTtl;
        }

        if (packet.IsIPv6 != _isIPv6)
        {
            return VrrpRejectReason.BadIPHeader;
        }

        ReadOnlySpan<byte> payload = packet.Payload, trailer = default;
        bool checksumVerified = packet.ChecksumVerified;
        if (_auth is not null && !TrySplitTrailer(packet, out payload, out trailer, out checksumVerified))
        {
            return VrrpRejectReason.BadChecksum;
        }

        var context = new VrrpReceiveContext(packet.IsIPv6, ttlExempt ? (byte)255 : packet.Ttl, packet.SourceAddress, packet.DestinationAddress)
        {
            ExpectedVersion = _version,
            ChecksumMode = VrrpChecksumMode.AcceptEither,
            ChecksumVerified = checksumVerified,
            AuthType = _authType,
            AuthData = _authData,
        };

        if (_knownPeers is not null && !Contains(_knownPeers, packet.SourceAddress))
        {
            // A stranger: dropped whatever it says; a well-formed advert for our VRID is also a conflict.
            if (VrrpCodec.TryRead(payload, context, out var spoof, out _) && spoof.VirtualRouterId == _vrid)
            {
                strangerPriority = spoof.Priority;
            }

            return VrrpRejectReason.UnexpectedSource;
        }

        if (!VrrpCodec.TryRead(payload, context, out message, out var reason))
        {
            return reason == VrrpRejectReason.None ? VrrpRejectReason.BadLength : reason;
        }

        if (message.VirtualRouterId != _vrid)
        {
            return VrrpRejectReason.UnknownVirtualRouter;
        }

        if (message.Version != _version)
        {
            return VrrpRejectReason.BadVersion;
        }

        if (_auth?.Verify(payload, trailer, packet.SourceAddress) is { } authResult and not VrrpRejectReason.None)
        {
            return authResult;
        }

        return VrrpRejectReason.None;
    }

    /// <summary>Counts a dropped packet and logs it (the first per reason at once, then a summary per minute).</summary>
    public void Reject(VrrpRejectReason reason)
    {
        _counters.Rejected(reason);
        VrrpRouter.Log.PacketRejected(_logger, _name, _vrid, reason);
        switch (_warnings.Hit((int)reason, _time.GetTimestamp(), out long count))
        {
            case RejectLogLimiter.Decision.First:
                VrrpRouter.Log.PacketsRejected(_logger, _name, _vrid, VrrpRejectReasonNames.ToTag(reason));
                break;
            case RejectLogLimiter.Decision.Summary:
                VrrpRouter.Log.RejectSummary(_logger, _name, _vrid, count, VrrpRejectReasonNames.ToTag(reason));
                break;
        }
    }

    /// <summary>Counts and (rate-limited) logs an advert whose interval differs from ours.</summary>
    public void IntervalMismatch(ushort configuredCs, ushort receivedCs)
    {
        _counters.IntervalMismatch();
        switch (_warnings.Hit(IntervalMismatchKey, _time.GetTimestamp(), out long count))
        {
            case RejectLogLimiter.Decision.First:
                VrrpRouter.Log.IntervalMismatch(_logger, _name, _vrid, configuredCs * 10, receivedCs * 10, _version == VrrpVersion.V2);
                break;
            case RejectLogLimiter.Decision.Summary:
                VrrpRouter.Log.RejectSummary(_logger, _name, _vrid, count, "interval_mismatch");
                break;
        }
    }

    /// <summary>RFC 9568 7.1: an address list that differs from the configured VIPs is counted and logged (keepalived accepts it).</summary>
    public void CheckAddressList(ReadOnlySpan<byte> addresses, ReadOnlySpan<byte> vipBytes)
    {
        bool match = addresses.Length == vipBytes.Length;
        if (match && !addresses.SequenceEqual(vipBytes))
        {
            // Same count, maybe another order: every received address must be configured.
            for (int i = 0; i + _addressLength <= addresses.Length && match; i += _addressLength)
            {
                match = ContainsVip(addresses.Slice(i, _addressLength), vipBytes);
            }
        }

        if (match)
        {
            return;
        }

        _counters.AddressListMismatch();
        switch (_warnings.Hit(AddressMismatchKey, _time.GetTimestamp(), out long count))
        {
            case RejectLogLimiter.Decision.First:
                VrrpRouter.Log.AddressListMismatch(_logger, _name, _vrid, addresses.Length / _addressLength, vipBytes.Length / _addressLength);
                break;
            case RejectLogLimiter.Decision.Summary:
                VrrpRouter.Log.RejectSummary(_logger, _name, _vrid, count, "address_list_mismatch");
                break;
        }
    }

    private static bool Contains(byte[][]? peers, ReadOnlySpan<byte> source)
    {
        if (peers is null)
        {
            return false;
        }

        foreach (var peer in peers)
        {
            if (source.SequenceEqual(peer))
            {
                return true;
            }
        }

        return false;
    }

    private bool ContainsVip(ReadOnlySpan<byte> address, ReadOnlySpan<byte> vipBytes)
    {
        for (int j = 0; j < vipBytes.Length; j += _addressLength)
        {
            if (address.SequenceEqual(vipBytes.Slice(j, _addressLength)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Splits a received payload into the VRRP message and its trailer (empty when it has none). IPv6: a checksum the
    /// kernel did not verify is checked over the whole payload, trailer included. False when it fails.
    /// </summary>
    private static bool TrySplitTrailer(scoped in VrrpReceivedPacket packet, out ReadOnlySpan<byte> message, out ReadOnlySpan<byte> trailer, out bool checksumVerified)
    {
        checksumVerified = packet.ChecksumVerified;
        if (!VrrpAuthTrailer.TrySplit(packet.Payload, packet.IsIPv6, out message, out trailer) || !packet.IsIPv6 || checksumVerified)
        {
            return true;
        }

        if (packet.SourceAddress.Length != 16 || packet.DestinationAddress.Length != 16 ||
            VrrpCodec.ComputePseudoHeaderChecksum(packet.Payload, packet.SourceAddress, packet.DestinationAddress, ipv6: true) != 0)
        {
            return false;
        }

        checksumVerified = true;
        return true;
    }
}
