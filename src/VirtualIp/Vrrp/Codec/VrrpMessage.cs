namespace VirtualIp.Vrrp;

/// <summary>
/// A VRRP advertisement (v2 or v3) as fields, with its address list as raw network-order bytes so that
/// decoding and encoding allocate nothing. Decoded messages point into the received buffer.
/// </summary>
internal readonly ref struct VrrpMessage
{
    /// <summary>Creates a message.</summary>
    /// <param name="version">Protocol version.</param>
    /// <param name="virtualRouterId">VRID, 1 to 255.</param>
    /// <param name="priority">0 (master leaving) to 255 (address owner).</param>
    /// <param name="intervalCentiseconds">Advertisement interval in centiseconds; for v2 a whole number of seconds times 100.</param>
    /// <param name="isIPv6">True when the addresses are IPv6 (16 bytes each), else IPv4 (4 bytes each).</param>
    /// <param name="addresses">The virtual addresses, concatenated in network order.</param>
    /// <param name="authType">VRRPv2 authentication type (ignored for v3).</param>
    /// <param name="authData">VRRPv2 simple-text password, at most 8 bytes (ignored for v3).</param>
    public VrrpMessage(VrrpVersion version, byte virtualRouterId, byte priority, ushort intervalCentiseconds, bool isIPv6,
        ReadOnlySpan<byte> addresses, VrrpAuthType authType = VrrpAuthType.None, ReadOnlySpan<byte> authData = default)
    {
        Version = version;
        VirtualRouterId = virtualRouterId;
        Priority = priority;
        IntervalCentiseconds = intervalCentiseconds;
        IsIPv6 = isIPv6;
        Addresses = addresses;
        AuthType = authType;
        AuthData = authData;
    }

    /// <summary>Protocol version.</summary>
    public VrrpVersion Version { get; }

    /// <summary>Virtual router identifier.</summary>
    public byte VirtualRouterId { get; }

    /// <summary>Priority: 0 = master leaving, 255 = address owner.</summary>
    public byte Priority { get; }

    /// <summary>Advertisement interval in centiseconds (v2 seconds are multiplied by 100).</summary>
    public ushort IntervalCentiseconds { get; }

    /// <summary>True for IPv6 addresses.</summary>
    public bool IsIPv6 { get; }

    /// <summary>The addresses, concatenated in network order.</summary>
    public ReadOnlySpan<byte> Addresses { get; }

    /// <summary>The number of addresses.</summary>
    public int AddressCount => Addresses.Length / (IsIPv6 ? 16 : 4);

    /// <summary>VRRPv2 authentication type.</summary>
    public VrrpAuthType AuthType { get; }

    /// <summary>VRRPv2 authentication data (the password), at most 8 bytes.</summary>
    public ReadOnlySpan<byte> AuthData { get; }
}
