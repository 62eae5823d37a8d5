using System.Net;
using VirtualIp.Addressing;

namespace VirtualIp.Vrrp;

/// <summary>
/// One VRRP virtual router (keepalived's <c>vrrp_instance</c>). Bound from configuration, e.g. <c>VirtualIp:Routers:0</c>.
/// </summary>
public sealed class VrrpRouterOptions
{
    /// <summary>A name for logs, events and metrics (keepalived's instance name). Required.</summary>
    public string Name { get; set; } = "";

    /// <summary>The network interface the router runs on, e.g. "eth0". Required.</summary>
    public string Interface { get; set; } = "";

    /// <summary>The virtual router identifier, 1 to 255; must be the same on every node of the router and unique per interface and family.</summary>
    public int VirtualRouterId { get; set; }

    /// <summary>
    /// 1 to 255 (default 100). 255 = the address owner, which becomes master at once on startup.
    /// The highest priority wins; equal priorities are broken by the higher primary address.
    /// </summary>
    public int Priority { get; set; } = 100;

    /// <summary>
    /// The protocol version (default <see cref="VrrpVersion.V3"/>). keepalived defaults to v2 for IPv4 instances;
    /// set <see cref="VrrpVersion.V2"/> to interoperate with such peers. IPv6 requires v3.
    /// </summary>
    public VrrpVersion Version { get; set; } = VrrpVersion.V3;

    /// <summary>
    /// How often the master sends adverts (default 1 s). v3: 10 ms to 40.95 s in 10 ms steps; v2: whole seconds, 1 to 255.
    /// Backups adopt the master's advertised interval (v3).
    /// </summary>
    public TimeSpan AdvertisementInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether a higher-priority backup takes over from a lower-priority master (default true; keepalived <c>nopreempt</c> = false).</summary>
    public bool Preempt { get; set; } = true;

    /// <summary>
    /// keepalived's <c>preempt_delay</c> (0 to 1000 s, default 0): after startup, or after first seeing a lower-priority
    /// master, keep accepting its adverts for this long before preempting it.
    /// </summary>
    public TimeSpan PreemptDelay { get; set; }

    /// <summary>The virtual addresses, all of one family (IPv4 or IPv6). At least one.</summary>
    public IList<VipAddress> Vips { get; set; } = new List<VipAddress>();

    /// <summary>Unicast peers (keepalived <c>unicast_peer</c>). Empty = multicast. When set, adverts from other sources are rejected.</summary>
    public IList<IPAddress> UnicastPeers { get; set; } = new List<IPAddress>();

    /// <summary>
    /// The node's own address unicast adverts leave from (keepalived <c>unicast_src_ip</c>). Null: the interface's first
    /// address of the VIPs' family that is not one of this router's VIPs (IPv6: a global address when a peer is global,
    /// else the link-local one). Adverts never leave from a VIP: peers check the source against their peer list.
    /// </summary>
    public IPAddress? UnicastSource { get; set; }

    /// <summary>
    /// Unicast only: also require TTL / hop limit 255 on adverts from the configured peers (default false, as
    /// keepalived: a unicast advert may cross a router and keepalived sends IPv6 unicast with the system hop limit).
    /// Adverts from addresses that are not peers are rejected either way; we always send with 255. Multicast adverts
    /// always need 255 (RFC 9568 section 7.1).
    /// </summary>
    public bool StrictUnicastTtl { get; set; }

    /// <summary>
    /// Other routers of this VRID (multicast). Empty = any source on the segment may take part (plain VRRP). When set
    /// (or when <see cref="UnicastPeers"/> is), adverts from any other source are dropped and raise a router conflict.
    /// </summary>
    public IList<IPAddress> KnownPeers { get; set; } = new List<IPAddress>();

    /// <summary>
    /// Hardening (default true): honour an advert with priority 0 ("the master is leaving") only from the current master.
    /// RFC 9568 6.4.2 takes over after Skew_Time on any priority-0 advert; with this on, a priority 0 from another source
    /// is dropped (reason <see cref="VrrpRejectReason.PriorityZeroNotFromMaster"/>), so one spoofed packet cannot move the VIP.
    /// </summary>
    public bool PriorityZeroFromMasterOnly { get; set; } = true;

    /// <summary>
    /// The shortest master advert interval a backup adopts (VRRPv3). Null (default) = the smaller of this router's own
    /// interval and 100 ms. A shorter advertised interval is raised to this floor, so a forged 10 ms advert cannot shrink
    /// Master_Down_Interval and Skew_Time.
    /// </summary>
    public TimeSpan? MinimumAdoptedInterval { get; set; }

    /// <summary>
    /// Announce the VIPs with the VRRP virtual MAC 00-00-5E-00-01-{VRID} (keepalived <c>use_vmac</c>). The engine passes
    /// the MAC to the announcer, but no platform creates the macvlan interface yet, so the hosted service
    /// (<c>AddVirtualIp</c>) refuses <c>true</c> at validation; it is for custom platforms and the simulation.
    /// </summary>
    public bool UseVirtualMac { get; set; }

    /// <summary>
    /// IPv4 VRRPv3 checksum form sent (default <see cref="VrrpChecksumMode.WithPseudoHeader"/>, keepalived's default;
    /// <see cref="VrrpChecksumMode.MessageOnly"/> = RFC 9568 / keepalived <c>v3_checksum_as_v2</c>). Either form is accepted on receive.
    /// </summary>
    public VrrpChecksumMode ChecksumMode { get; set; } = VrrpChecksumMode.WithPseudoHeader;

    /// <summary>VRRPv2 only: a simple-text password of at most 8 ASCII characters (keepalived <c>auth_type PASS</c>). Null = no authentication.</summary>
    public string? AuthPassword { get; set; }

    /// <summary>
    /// Authenticated adverts, wire-compatible with keepalived 2.4.3 <c>auth_hmac</c> (v2 and v3, IPv4 and IPv6).
    /// Null (default) = none. Cannot be combined with <see cref="AuthPassword"/>.
    /// </summary>
    public VrrpAuthHmacOptions? AuthHmac { get; set; }

    /// <summary>
    /// The sync group (keepalived <c>vrrp_sync_group</c>) this router belongs to, or null. Members go Fault together,
    /// go Backup together, and become master only when all of them want to.
    /// </summary>
    public string? SyncGroup { get; set; }

    /// <summary>Health checks (by name) that move this router's priority; the hosting layer runs them.</summary>
    public IList<VrrpTrackOptions> TrackChecks { get; set; } = new List<VrrpTrackOptions>();

    /// <summary>Interfaces whose link state moves this router's priority; the hosting layer watches them.</summary>
    public IList<VrrpTrackOptions> TrackInterfaces { get; set; } = new List<VrrpTrackOptions>();

    /// <summary>
    /// The L4 forwarder (VirtualIp.Balancing, added with <c>AddVirtualIpForwarder</c>, by its <c>Name</c>) that follows
    /// this router, or null (default): the configuration form of <c>AddFloatingVip(...).WithForwarder("NAME", weight)</c>.
    /// The forwarder serves on this router's first VIP (a wildcard listen address takes the VIP's address, bound with
    /// IP_FREEBIND on Linux) and the router tracks the check <see cref="ForwarderCheckName"/> (up while the forwarder
    /// runs with an available backend) with <see cref="ForwarderWeight"/>. A name no forwarder has fails validation.
    /// Bound from <c>VirtualIp:Routers:N:Forwarder</c>.
    /// </summary>
    public string? Forwarder { get; set; }

    /// <summary>
    /// The tracking weight of <see cref="Forwarder"/> while it cannot serve: 0 (default) puts the router in Fault, a
    /// negative weight lowers its priority by that much (-253 to 0). Bound from <c>VirtualIp:Routers:N:ForwarderWeight</c>.
    /// </summary>
    public int ForwarderWeight { get; set; }

    /// <summary>The name of the health check ("forwarder:NAME") a router following <paramref name="forwarder"/> tracks.</summary>
    /// <param name="forwarder">The forwarder's name.</param>
    public static string ForwarderCheckName(string forwarder) => "forwarder:" + forwarder;

    /// <summary>On start, remove addresses carrying this library's ownership mark left behind by a crashed process (default true).</summary>
    public bool RemoveStaleAddressesOnStart { get; set; } = true;
}
