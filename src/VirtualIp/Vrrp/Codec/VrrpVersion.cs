namespace VirtualIp.Vrrp;

/// <summary>The VRRP protocol version.</summary>
public enum VrrpVersion : byte
{
    /// <summary>VRRPv2 (RFC 3768): IPv4 only, intervals in whole seconds, optional simple-text authentication.</summary>
    V2 = 2,

    /// <summary>VRRPv3 (RFC 5798 / RFC 9568): IPv4 and IPv6, intervals in centiseconds.</summary>
    V3 = 3,
}

/// <summary>How the IPv4 VRRPv3 checksum is computed.</summary>
public enum VrrpChecksumMode
{
    /// <summary>Include the IPv4 pseudo-header (RFC 5798; keepalived's default).</summary>
    WithPseudoHeader,

    /// <summary>The VRRP message only (RFC 9568 for IPv4; keepalived's v3_checksum_as_v2, Cisco, Juniper).</summary>
    MessageOnly,

    /// <summary>Receiving only: accept either form.</summary>
    AcceptEither,
}

/// <summary>VRRPv2 authentication types (RFC 2338; RFC 3768 keeps only the field).</summary>
public enum VrrpAuthType : byte
{
    /// <summary>No authentication.</summary>
    None = 0,

    /// <summary>Simple text password (8 bytes, zero padded).</summary>
    SimpleText = 1,
}
