namespace VirtualIp.Vrrp;

/// <summary>
/// Encodes and decodes VRRP advertisements (the IP payload, protocol 112). Allocation-free; decoding never throws.
/// </summary>
internal static partial class VrrpCodec
{
    /// <summary>Size of the fixed VRRP header (v2 and v3).</summary>
    public const int HeaderLength = 8;

    /// <summary>Length of the VRRPv2 authentication data.</summary>
    public const int V2AuthDataLength = 8;

    /// <summary>The bytes <see cref="Write"/> needs for <paramref name="message"/>.</summary>
    public static int GetEncodedLength(in VrrpMessage message) =>
        HeaderLength + message.Addresses.Length + (message.Version == VrrpVersion.V2 ? V2AuthDataLength : 0);

    /// <summary>
    /// Writes <paramref name="message"/> into <paramref name="destination"/> with its checksum and returns the length.
    /// </summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="message">The fields.</param>
    /// <param name="sourceAddress">IP source (4 or 16 bytes), needed for the pseudo-header checksum.</param>
    /// <param name="destinationAddress">IP destination (4 or 16 bytes), needed for the pseudo-header checksum.</param>
    /// <param name="checksumMode">IPv4 v3 only: with or without the pseudo-header. IPv6 always includes it; v2 never does.</param>
    /// <exception cref="ArgumentException">The destination is too small (the message names the size), or a field is invalid.</exception>
    public static partial int Write(Span<byte> destination, in VrrpMessage message, ReadOnlySpan<byte> sourceAddress,
        ReadOnlySpan<byte> destinationAddress, VrrpChecksumMode checksumMode = VrrpChecksumMode.WithPseudoHeader);

    /// <summary>
    /// Validates and decodes a received VRRP payload. Never throws; on failure returns false and the reason.
    /// </summary>
    /// <param name="payload">The IP payload.</param>
    /// <param name="context">What the receiver knows: family, TTL, addresses, checksum and auth policy.</param>
    /// <param name="message">The decoded message, pointing into <paramref name="payload"/>.</param>
    /// <param name="reason">Why it was rejected.</param>
    public static partial bool TryRead(ReadOnlySpan<byte> payload, scoped in VrrpReceiveContext context, out VrrpMessage message, out VrrpRejectReason reason);
}

/// <summary>What a receiver knows about a received VRRP packet, and its validation policy.</summary>
internal readonly ref struct VrrpReceiveContext
{
    /// <summary>Creates a context.</summary>
    public VrrpReceiveContext(bool isIPv6, byte ttl, ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress)
    {
        IsIPv6 = isIPv6;
        Ttl = ttl;
        SourceAddress = sourceAddress;
        DestinationAddress = destinationAddress;
    }

    /// <summary>True when the packet arrived over IPv6.</summary>
    public bool IsIPv6 { get; }

    /// <summary>The received IPv4 TTL or IPv6 hop limit; anything but 255 is rejected.</summary>
    public byte Ttl { get; }

    /// <summary>IP source address bytes.</summary>
    public ReadOnlySpan<byte> SourceAddress { get; }

    /// <summary>IP destination address bytes.</summary>
    public ReadOnlySpan<byte> DestinationAddress { get; }

    /// <summary>Which IPv4 VRRPv3 checksum forms to accept (default: either).</summary>
    public VrrpChecksumMode ChecksumMode { get; init; } = VrrpChecksumMode.AcceptEither;

    /// <summary>The version expected, or null to accept 2 and 3.</summary>
    public VrrpVersion? ExpectedVersion { get; init; }

    /// <summary>Skip checksum verification (the kernel verified it, e.g. IPV6_CHECKSUM).</summary>
    public bool ChecksumVerified { get; init; }

    /// <summary>VRRPv2: the authentication type required.</summary>
    public VrrpAuthType AuthType { get; init; }

    /// <summary>VRRPv2: the password required with <see cref="VrrpAuthType.SimpleText"/>.</summary>
    public ReadOnlySpan<byte> AuthData { get; init; }
}
