using System.Net;

namespace VirtualIp.Election;

/// <summary>
/// Carries VRRP packets (the IP payload of protocol 112) for one virtual-router interface and address family:
/// raw IP sockets on Linux, an in-memory network in simulations. The transport sets TTL/hop limit 255 on send
/// and reports the received TTL so the engine can drop anything else.
/// </summary>
public interface IVrrpTransport : IAsyncDisposable
{
    /// <summary>True for IPv6 (ff02::12), false for IPv4 (224.0.0.18).</summary>
    bool IsIPv6 { get; }

    /// <summary>
    /// The source address packets leave with: the interface's primary IPv4 address, or its IPv6 link-local
    /// address. Used for the checksum pseudo-header and for the tie-break on equal priority.
    /// </summary>
    IPAddress LocalAddress { get; }

    /// <summary>
    /// Where adverts go: the multicast group, or the configured unicast peers. The engine encodes one packet
    /// per destination (the IPv4 pseudo-header checksum depends on it) and passes its index to <see cref="Send"/>.
    /// </summary>
    IReadOnlyList<IPAddress> Destinations { get; }

    /// <summary>Starts receiving; every packet is handed to <paramref name="handler"/> on the transport's receive loop.</summary>
    ValueTask StartAsync(IVrrpPacketHandler handler, CancellationToken cancellationToken = default);

    /// <summary>Sends one VRRP payload to <see cref="Destinations"/>[<paramref name="destinationIndex"/>]. Must not allocate.</summary>
    void Send(ReadOnlySpan<byte> payload, int destinationIndex);
}

/// <summary>Receives VRRP packets from a transport.</summary>
public interface IVrrpPacketHandler
{
    /// <summary>Called for every received packet. The spans are only valid during the call.</summary>
    void OnPacket(in VrrpReceivedPacket packet);
}

/// <summary>A received VRRP packet with the IP facts the validator needs.</summary>
public readonly ref struct VrrpReceivedPacket
{
    /// <summary>Creates the packet view.</summary>
    public VrrpReceivedPacket(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress, byte ttl, bool isIPv6, bool checksumVerified = false)
    {
        Payload = payload;
        SourceAddress = sourceAddress;
        DestinationAddress = destinationAddress;
        Ttl = ttl;
        IsIPv6 = isIPv6;
        ChecksumVerified = checksumVerified;
    }

    /// <summary>The VRRP message (IP payload).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>IP source address bytes (4 or 16).</summary>
    public ReadOnlySpan<byte> SourceAddress { get; }

    /// <summary>IP destination address bytes (4 or 16).</summary>
    public ReadOnlySpan<byte> DestinationAddress { get; }

    /// <summary>Received TTL (IPv4) or hop limit (IPv6).</summary>
    public byte Ttl { get; }

    /// <summary>True for IPv6.</summary>
    public bool IsIPv6 { get; }

    /// <summary>True when the kernel already verified the checksum (IPV6_CHECKSUM).</summary>
    public bool ChecksumVerified { get; }
}
