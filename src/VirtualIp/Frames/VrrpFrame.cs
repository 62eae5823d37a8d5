using VirtualIp.Addressing;
using VirtualIp.Vrrp;

namespace VirtualIp.Frames;

/// <summary>
/// Writes and parses complete VRRP advertisement frames: Ethernet + IPv4 (TTL 255, protocol 112) or Ethernet + IPv6
/// (hop limit 255, next header 112) + the VRRP message from <see cref="VrrpCodec"/>. For senders on AF_PACKET or pcap.
/// </summary>
internal static class VrrpFrame
{
    /// <summary>The VRRP IPv4 multicast MAC, 01:00:5e:00:00:12.</summary>
    public static MacAddress IPv4MulticastMac => MacAddress.FromUInt64(0x0100_5E00_0012UL);

    /// <summary>The VRRP IPv6 multicast MAC, 33:33:00:00:00:12.</summary>
    public static MacAddress IPv6MulticastMac => MacAddress.FromUInt64(0x3333_0000_0012UL);

    /// <summary>224.0.0.18.</summary>
    public static ReadOnlySpan<byte> IPv4MulticastGroup => [224, 0, 0, 18];

    /// <summary>ff02::12.</summary>
    public static ReadOnlySpan<byte> IPv6MulticastGroup => [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12];

    /// <summary>keepalived's IPv4 type of service and IPv6 traffic class: 0xc0 (DSCP CS6, network control).</summary>
    public const byte NetworkControl = 0xC0;

    /// <summary>The frame length for <paramref name="message"/>.</summary>
    public static int GetFrameLength(in VrrpMessage message, VlanTag? vlan = null) =>
        Ethernet.GetHeaderLength(vlan) + (message.IsIPv6 ? IPv6.HeaderLength : IPv4.MinHeaderLength) + VrrpCodec.GetEncodedLength(message);

    /// <summary>Writes an Ethernet + IPv4 VRRP advertisement (v2 or v3) and returns its length.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="sourceMac">Ethernet source: the VRRP virtual MAC or the interface MAC.</param>
    /// <param name="destinationMac"><see cref="IPv4MulticastMac"/>, or the unicast peer's MAC.</param>
    /// <param name="sourceAddress">The sender's primary IPv4 address (4 bytes).</param>
    /// <param name="destinationAddress"><see cref="IPv4MulticastGroup"/> or a unicast peer (4 bytes).</param>
    /// <param name="message">The VRRP message; <see cref="VrrpMessage.IsIPv6"/> must be false.</param>
    /// <param name="checksumMode">VRRPv3 checksum with or without the pseudo-header.</param>
    /// <param name="identification">The IPv4 identification (keepalived counts up from 1).</param>
    /// <param name="dontFragment">Set DF (keepalived does not).</param>
    /// <param name="typeOfService">TOS byte, by default <see cref="NetworkControl"/>.</param>
    /// <param name="vlan">Optional 802.1Q tag.</param>
    /// <exception cref="ArgumentException">The destination is too small (the message names the size), an address has the wrong length or a VRRP field is invalid.</exception>
    public static int WriteIPv4(Span<byte> destination, MacAddress sourceMac, MacAddress destinationMac, ReadOnlySpan<byte> sourceAddress,
        ReadOnlySpan<byte> destinationAddress, in VrrpMessage message, VrrpChecksumMode checksumMode = VrrpChecksumMode.WithPseudoHeader,
        ushort identification = 0, bool dontFragment = false, byte typeOfService = NetworkControl, VlanTag? vlan = null)
    {
        if (message.IsIPv6)
        {
            throw new ArgumentException("The message carries IPv6 addresses; use WriteIPv6.", nameof(message));
        }

        FrameWriter.RequireAddress(sourceAddress, 4, nameof(sourceAddress));
        FrameWriter.RequireAddress(destinationAddress, 4, nameof(destinationAddress));
        int vrrpLength = VrrpCodec.GetEncodedLength(message);
        FrameWriter.EnsureSize(destination, Ethernet.GetHeaderLength(vlan) + IPv4.MinHeaderLength + vrrpLength, "The VRRP frame");
        var w = new FrameWriter(destination);
        w.WriteEthernetHeader(destinationMac, sourceMac, EtherType.IPv4, vlan);
        int payloadAt = w.Position + IPv4.MinHeaderLength;

        // The VRRP payload first: it validates the fields before the IP header is committed.
        int n = VrrpCodec.Write(destination[payloadAt..], message, sourceAddress, destinationAddress, checksumMode);
        w.WriteIPv4Header(sourceAddress, destinationAddress, VrrpCodec.IPProtocol, n, 255, typeOfService, identification, dontFragment);
        return payloadAt + n;
    }

    /// <summary>Writes an Ethernet + IPv6 VRRPv3 advertisement and returns its length.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="sourceMac">Ethernet source: the VRRP virtual MAC or the interface MAC.</param>
    /// <param name="destinationMac"><see cref="IPv6MulticastMac"/>, or the unicast peer's MAC.</param>
    /// <param name="sourceAddress">The sender's link-local address (16 bytes).</param>
    /// <param name="destinationAddress"><see cref="IPv6MulticastGroup"/> or a unicast peer (16 bytes).</param>
    /// <param name="message">The VRRPv3 message; <see cref="VrrpMessage.IsIPv6"/> must be true.</param>
    /// <param name="trafficClass">Traffic class, by default <see cref="NetworkControl"/>.</param>
    /// <param name="flowLabel">Flow label (keepalived lets the kernel pick one per socket).</param>
    /// <param name="vlan">Optional 802.1Q tag.</param>
    /// <exception cref="ArgumentException">The destination is too small (the message names the size), an address has the wrong length or a VRRP field is invalid.</exception>
    public static int WriteIPv6(Span<byte> destination, MacAddress sourceMac, MacAddress destinationMac, ReadOnlySpan<byte> sourceAddress,
        ReadOnlySpan<byte> destinationAddress, in VrrpMessage message, byte trafficClass = NetworkControl, uint flowLabel = 0, VlanTag? vlan = null)
    {
        if (!message.IsIPv6)
        {
            throw new ArgumentException("The message carries IPv4 addresses; use WriteIPv4.", nameof(message));
        }

        FrameWriter.RequireAddress(sourceAddress, 16, nameof(sourceAddress));
        FrameWriter.RequireAddress(destinationAddress, 16, nameof(destinationAddress));
        IPv6.ValidateLengthAndFlow(0, flowLabel);
        int vrrpLength = VrrpCodec.GetEncodedLength(message);
        FrameWriter.EnsureSize(destination, Ethernet.GetHeaderLength(vlan) + IPv6.HeaderLength + vrrpLength, "The VRRP frame");
        var w = new FrameWriter(destination);
        w.WriteEthernetHeader(destinationMac, sourceMac, EtherType.IPv6, vlan);
        int payloadAt = w.Position + IPv6.HeaderLength;
        int n = VrrpCodec.Write(destination[payloadAt..], message, sourceAddress, destinationAddress);
        w.WriteIPv6Header(sourceAddress, destinationAddress, VrrpCodec.IPProtocol, n, 255, trafficClass, flowLabel);
        return payloadAt + n;
    }

    /// <summary>
    /// Parses a whole VRRP frame with the default policy: either IPv4 VRRPv3 checksum form, version 2 or 3, no VRRPv2 authentication.
    /// Never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, out VrrpFrameFields fields, out VrrpRejectReason reason) =>
        TryParse(frame, new VrrpReceiveContext(false, 0, default, default), out fields, out reason);

    /// <summary>
    /// Parses a whole VRRP frame (Ethernet, optional tag, IPv4 or IPv6, VRRP) and validates it with <see cref="VrrpCodec.TryRead"/>.
    /// The family, TTL / hop limit and addresses come from the IP header; the rest of <paramref name="policy"/> (checksum mode,
    /// expected version, authentication) applies as given. Non-VRRP, fragmented or malformed IP is <see cref="VrrpRejectReason.BadIPHeader"/>.
    /// Build the policy with the <see cref="VrrpReceiveContext"/> constructor: <c>default(VrrpReceiveContext)</c> has
    /// <see cref="VrrpChecksumMode.WithPseudoHeader"/>, not <see cref="VrrpChecksumMode.AcceptEither"/>.
    /// Never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, scoped in VrrpReceiveContext policy, out VrrpFrameFields fields, out VrrpRejectReason reason)
    {
        fields = default;
        if (!Ethernet.TryParse(frame, out var eth, out var frameReason))
        {
            reason = frameReason == FrameRejectReason.Truncated ? VrrpRejectReason.Truncated : VrrpRejectReason.BadIPHeader;
            return false;
        }

        bool isIPv6;
        byte ttl;
        ReadOnlySpan<byte> src, dst, payload;
        if (eth.EtherType == EtherType.IPv4)
        {
            if (!IPv4.TryParse(eth.Payload, out var ip, out _) || ip.IsFragment || ip.Protocol != VrrpCodec.IPProtocol)
            {
                reason = VrrpRejectReason.BadIPHeader;
                return false;
            }

            isIPv6 = false;
            ttl = ip.Ttl;
            src = ip.SourceAddress;
            dst = ip.DestinationAddress;
            payload = ip.Payload;
        }
        else if (eth.EtherType == EtherType.IPv6)
        {
            if (!IPv6.TryParse(eth.Payload, out var ip, out _) || ip.NextHeader != VrrpCodec.IPProtocol)
            {
                reason = VrrpRejectReason.BadIPHeader;
                return false;
            }

            isIPv6 = true;
            ttl = ip.HopLimit;
            src = ip.SourceAddress;
            dst = ip.DestinationAddress;
            payload = ip.Payload;
        }
        else
        {
            reason = VrrpRejectReason.BadIPHeader;
            return false;
        }

        var context = new VrrpReceiveContext(isIPv6, ttl, src, dst)
        {
            ChecksumMode = policy.ChecksumMode,
            ChecksumVerified = policy.ChecksumVerified,
            ExpectedVersion = policy.ExpectedVersion,
            AuthType = policy.AuthType,
            AuthData = policy.AuthData,
        };

        if (!VrrpCodec.TryRead(payload, context, out var message, out reason))
        {
            return false;
        }

        fields = new VrrpFrameFields(eth, isIPv6, ttl, src, dst, message);
        return true;
    }
}

/// <summary>A parsed VRRP frame; the spans point into the received frame.</summary>
internal readonly ref struct VrrpFrameFields
{
    internal VrrpFrameFields(EthernetHeader ethernet, bool isIPv6, byte ttl, ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress, VrrpMessage message)
    {
        Ethernet = ethernet;
        IsIPv6 = isIPv6;
        Ttl = ttl;
        SourceAddress = sourceAddress;
        DestinationAddress = destinationAddress;
        Message = message;
    }

    /// <summary>The Ethernet header (the source MAC tells a virtual MAC sender from an interface MAC one).</summary>
    public EthernetHeader Ethernet { get; }

    /// <summary>True for IPv6.</summary>
    public bool IsIPv6 { get; }

    /// <summary>The IPv4 TTL or IPv6 hop limit.</summary>
    public byte Ttl { get; }

    /// <summary>IP source address.</summary>
    public ReadOnlySpan<byte> SourceAddress { get; }

    /// <summary>IP destination address.</summary>
    public ReadOnlySpan<byte> DestinationAddress { get; }

    /// <summary>The validated VRRP message.</summary>
    public VrrpMessage Message { get; }
}
