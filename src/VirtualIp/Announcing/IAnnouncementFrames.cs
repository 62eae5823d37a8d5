using VirtualIp.Addressing;

namespace VirtualIp.Announcing;

/// <summary>Writes the frames an announcer sends; a seam so the schedule is tested without frame details.</summary>
internal interface IAnnouncementFrames
{
    /// <summary>Largest frame written.</summary>
    int MaxFrameLength { get; }

    /// <summary>A gratuitous ARP for an IPv4 VIP (4 bytes).</summary>
    int WriteArp(Span<byte> destination, MacAddress source, ReadOnlySpan<byte> vip, bool reply, ArpTargetHardware targetHardware);

    /// <summary>An unsolicited Neighbor Advertisement for an IPv6 VIP (16 bytes).</summary>
    int WriteNeighborAdvertisement(Span<byte> destination, MacAddress source, ReadOnlySpan<byte> vip, bool router);
}
