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
    /// The source address (keepalived <c>unicast_src_ip</c>). When null: the interface's first IPv4 address, or
    /// its IPv6 link-local address. When set, it is also the multicast source; in unicast mode (and always for
    /// IPv6) the socket is bound to it.
    /// </summary>
    public IPAddress? SourceAddress { get; set; }

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
