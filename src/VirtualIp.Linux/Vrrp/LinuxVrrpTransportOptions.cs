using System.Net;

namespace VirtualIp.Linux.Vrrp;

/// <summary>Where and how the Linux raw-socket VRRP transport sends and receives.</summary>
public sealed class LinuxVrrpTransportOptions
{
    /// <summary>The interface VRRP runs on (e.g. "eth0"). Required; at most 15 characters.</summary>
    public string InterfaceName { get; set; } = "";

    /// <summary>True for VRRPv3 over IPv6 (ff02::12), false for IPv4 (224.0.0.18).</summary>
    public bool IsIPv6 { get; set; }

    /// <summary>
    /// Unicast peers (keepalived <c>unicast_peer</c>). Empty means multicast. Addresses must be of the chosen family;
    /// IPv6 link-local peers get the interface as their scope.
    /// </summary>
    public IList<IPAddress> UnicastPeers { get; } = new List<IPAddress>();

    /// <summary>
    /// The source address (keepalived <c>unicast_src_ip</c>). When null: the interface's first address of the family
    /// that is not in <see cref="ExcludedSourceAddresses"/> — for IPv6 the link-local one, or in unicast mode a global
    /// one when a peer is global. When set, it is also the multicast source. In unicast mode the socket is always bound
    /// to the source (so adverts never leave from a VIP the kernel would prefer); for IPv6 also when it is set.
    /// </summary>
    public IPAddress? SourceAddress { get; set; }

    /// <summary>Addresses never chosen as the default source: the VIPs of the routers on this transport.</summary>
    public IList<IPAddress> ExcludedSourceAddresses { get; } = new List<IPAddress>();

    /// <summary>
    /// Strict mode (default true): the socket's kernel filter also drops packets whose TTL / hop limit is not 255
    /// (RFC 9568 section 7.1). Turn off only for unicast peers that are routed; the engine still checks the TTL.
    /// </summary>
    public bool StrictTtl { get; set; } = true;

    /// <summary>
    /// The socket receive buffer in bytes (default 1 MiB, set with SO_RCVBUFFORCE when permitted): a flood of junk fills
    /// a small default buffer and real adverts are dropped with it. 0 keeps the system default.
    /// </summary>
    public int ReceiveBufferBytes { get; set; } = 1 << 20;
}
