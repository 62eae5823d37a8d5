using VirtualIp.Frames;

namespace VirtualIp.Announcing;

/// <summary>
/// When and how VIPs are announced (configuration section VirtualIp:Announcements). The defaults are keepalived's,
/// so mixed clusters behave alike: 5 frames at once on takeover, 5 more after 5 s, no periodic refresh.
/// </summary>
public sealed class AnnouncerOptions
{
    /// <summary>Frames per VIP in each burst (keepalived vrrp_garp_master_repeat, default 5). 1 to 100.</summary>
    public int BurstCount { get; set; } = 5;

    /// <summary>Pause between frames of a burst (keepalived vrrp_garp_interval, default 0 = back to back).</summary>
    public TimeSpan FrameSpacing { get; set; } = TimeSpan.Zero;

    /// <summary>Delay of the second burst after takeover (keepalived vrrp_garp_master_delay, default 5 s; 0 = none).</summary>
    public TimeSpan SecondBurstDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Periodic refresh while master (keepalived vrrp_garp_master_refresh, default off). Switches with 300 s ARP caches like 60 s.</summary>
    public TimeSpan? RefreshInterval { get; set; }

    /// <summary>Frames per VIP at each refresh (keepalived vrrp_garp_master_refresh_repeat, default 1).</summary>
    public int RefreshCount { get; set; } = 1;

    /// <summary>Which ARP operation to send (default Request, like keepalived).</summary>
    public ArpAnnouncementMode ArpMode { get; set; } = ArpAnnouncementMode.Request;

    /// <summary>The ARP target hardware address (default Broadcast, like keepalived; ucarp uses the own MAC).</summary>
    public ArpTargetHardwareAddress ArpTargetHardware { get; set; } = ArpTargetHardwareAddress.Broadcast;

    /// <summary>Set the Router flag in unsolicited Neighbor Advertisements (keepalived sets it when forwarding is on).</summary>
    public bool NeighborAdvertisementRouterFlag { get; set; }
}

/// <summary>Which ARP operation gratuitous announcements use.</summary>
public enum ArpAnnouncementMode
{
    /// <summary>ARP request, SPA = TPA = VIP (keepalived, RFC 5227 announcement).</summary>
    Request,
    /// <summary>ARP reply, SPA = TPA = VIP.</summary>
    Reply,
    /// <summary>A request and a reply each time (MetalLB).</summary>
    Both,
    /// <summary>Request and reply in turn (kube-vip).</summary>
    Alternating,
}
