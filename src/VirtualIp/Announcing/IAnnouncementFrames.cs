using VirtualIp.Addressing;
using VirtualIp.Frames;

namespace VirtualIp.Announcing;

/// <summary>Writes the frames an announcer sends; a seam so the schedule is tested without frame details.</summary>
internal interface IAnnouncementFrames
{
    /// <summary>Largest frame written.</summary>
    int MaxFrameLength { get; }

    /// <summary>A gratuitous ARP for an IPv4 VIP (4 bytes).</summary>
    int WriteArp(Span<byte> destination, MacAddress source, ReadOnlySpan<byte> vip, bool reply, ArpTargetHardwareAddress targetHardware);

    /// <summary>An unsolicited Neighbor Advertisement for an IPv6 VIP (16 bytes).</summary>
    int WriteNeighborAdvertisement(Span<byte> destination, MacAddress source, ReadOnlySpan<byte> vip, bool router);
}

/// <summary>The real frames, from <see cref="Arp"/> and <see cref="Ndp"/>.</summary>
internal sealed class AnnouncementFrames : IAnnouncementFrames
{
    public int MaxFrameLength => 128;

    public int WriteArp(Span<byte> destination, MacAddress source, ReadOnlySpan<byte> vip, bool reply, ArpTargetHardwareAddress targetHardware) =>
        reply ? Arp.WriteGratuitousReply(destination, source, vip, targetHardware) : Arp.WriteGratuitousRequest(destination, source, vip, targetHardware);

    public int WriteNeighborAdvertisement(Span<byte> destination, MacAddress source, ReadOnlySpan<byte> vip, bool router) =>
        Ndp.WriteUnsolicitedNeighborAdvertisement(destination, source, vip, router);
}
