namespace VirtualIp.Vrrp;

/// <summary>Why a received VRRP packet was dropped. Every rejection has a reason, for logs and metrics.</summary>
public enum VrrpRejectReason
{
    /// <summary>Not rejected.</summary>
    None = 0,
    /// <summary>Shorter than the fixed header or than its address list and authentication data.</summary>
    Truncated,
    /// <summary>The version is neither 2 nor 3, or not the one configured.</summary>
    BadVersion,
    /// <summary>The type is not 1 (Advertisement).</summary>
    BadType,
    /// <summary>The length does not match the address count (or trailing bytes where none are allowed).</summary>
    BadLength,
    /// <summary>The address count is 0, or the addresses are not of the packet's family.</summary>
    BadAddressCount,
    /// <summary>The advertisement interval is 0.</summary>
    ZeroInterval,
    /// <summary>The checksum does not verify.</summary>
    BadChecksum,
    /// <summary>The IP TTL / hop limit is not 255.</summary>
    BadTtl,
    /// <summary>VRRPv2 authentication type or data does not match the configuration.</summary>
    AuthenticationMismatch,
    /// <summary>The VRID is not configured on this interface.</summary>
    UnknownVirtualRouter,
    /// <summary>The source is not an allowed unicast peer.</summary>
    UnexpectedSource,
    /// <summary>The packet came from this node.</summary>
    OwnPacket,
    /// <summary>The IP header is malformed.</summary>
    BadIPHeader,
    /// <summary>
    /// Priority 0 from a router that is not the current master (hardening; see <c>VrrpRouterOptions.PriorityZeroFromMasterOnly</c>).
    /// </summary>
    PriorityZeroNotFromMaster,
    /// <summary>Authenticated adverts (<c>AuthHmac</c>, mode enforce): the advert carries no authentication trailer.</summary>
    AuthenticationMissing,
    /// <summary>Authenticated adverts: the trailer's scheme is not HMAC-SHA256 or its reserved bytes are not zero.</summary>
    AuthenticationMalformed,
    /// <summary>Authenticated adverts (<c>bad_hmac</c>): the HMAC does not verify (wrong key, altered or forged advert).</summary>
    BadHmac,
    /// <summary>Authenticated adverts (<c>replay</c>): the sequence does not grow past the last one verified from that sender.</summary>
    Replay,
    /// <summary>Authenticated adverts (<c>stale</c>): the sender's timestamp is outside the time window of our clock.</summary>
    Stale,
    /// <summary>Authenticated adverts (<c>unknown_key</c>): the trailer names a key id that is not configured.</summary>
    UnknownKey,
}
