namespace VirtualIp.Frames;

/// <summary>Why a received frame was not accepted by a <c>TryParse</c> method.</summary>
internal enum FrameRejectReason
{
    /// <summary>Not rejected.</summary>
    None = 0,

    /// <summary>Shorter than a header or than the lengths it declares.</summary>
    Truncated,

    /// <summary>The EtherType is not the one this parser handles (or a second VLAN tag follows).</summary>
    UnexpectedEtherType,

    /// <summary>The IP version nibble does not match the EtherType.</summary>
    BadIPVersion,

    /// <summary>The IPv4 header length is below 20 bytes or beyond the packet.</summary>
    BadIPHeaderLength,

    /// <summary>The IPv4 header checksum does not verify.</summary>
    BadIPHeaderChecksum,

    /// <summary>The IPv4 total length or IPv6 payload length disagrees with the frame.</summary>
    BadIPLength,

    /// <summary>The IPv4 packet is a fragment.</summary>
    Fragmented,

    /// <summary>The IP protocol / next header is not the one this parser handles.</summary>
    UnexpectedProtocol,

    /// <summary>The ARP hardware/protocol type or address lengths are not Ethernet/IPv4.</summary>
    BadArpFormat,

    /// <summary>The ARP operation is neither request nor reply.</summary>
    BadArpOperation,

    /// <summary>The ICMPv6 type is not a Neighbor Solicitation or Advertisement.</summary>
    BadIcmpType,

    /// <summary>The ICMPv6 code is not 0.</summary>
    BadIcmpCode,

    /// <summary>The ICMPv6 checksum does not verify.</summary>
    BadIcmpChecksum,

    /// <summary>The IPv6 hop limit is not 255 (the packet may have crossed a router).</summary>
    BadHopLimit,

    /// <summary>An NDP option has length 0 or runs past the message.</summary>
    BadOptionLength,

    /// <summary>The NDP target address is multicast.</summary>
    BadTargetAddress,

    /// <summary>The addresses break an RFC 4861 rule (DAD solicitation not to a solicited-node group or with a source link-layer option; multicast NA with the S flag).</summary>
    BadAddresses,
}
