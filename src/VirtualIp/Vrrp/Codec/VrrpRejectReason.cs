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

    // New reasons go above this line (authentication: bad_hmac, replay, stale, unknown_key). Metric tags and log
    // limiters size themselves from the enum (VrrpRouterStatistics.ReasonCount, VrrpRejectReasonNames).
}
