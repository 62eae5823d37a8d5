using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using VirtualIp.Linux.Interop;

namespace VirtualIp.Linux.Vrrp;

/// <summary>
/// Chooses the address adverts leave from when none is configured: the node's own address, never a VIP (keepalived
/// uses the interface's primary address; its peers check the source against <c>unicast_peer</c>).
/// </summary>
internal static class VrrpSourceAddress
{
    /// <summary>Reads the interface's addresses (kernel order) and applies <see cref="Choose"/>.</summary>
    public static IPAddress Find(string interfaceName, bool isIPv6, IList<IPAddress> unicastPeers, IList<IPAddress> excluded)
    {
        var nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == interfaceName)
            ?? throw VrrpTransportErrors.FromErrno("looking up the interface", Errno.ENODEV, interfaceName, isIPv6);
        var candidates = nic.GetIPProperties().UnicastAddresses.Select(u => u.Address).ToList();
        return Choose(candidates, isIPv6, unicastPeers, excluded) ?? throw new VrrpTransportException(
            $"VRRP {(isIPv6 ? "IPv6" : "IPv4")} transport on '{interfaceName}': the interface has no {Wanted(isIPv6, unicastPeers)} address that is not a VIP",
            Errno.EADDRNOTAVAIL, interfaceName,
            isIPv6 ? "bring the link up with IPv6 enabled (addrgenmode eui64), add the node's address, or set UnicastSource" : "add the node's own address to the interface or set UnicastSource");
    }

    /// <summary>
    /// The first candidate of the family that is not excluded. IPv4: any. IPv6: link-local for multicast or when
    /// every unicast peer is link-local, otherwise a global (non-link-local) one. Null when there is none.
    /// </summary>
    public static IPAddress? Choose(IReadOnlyList<IPAddress> candidates, bool isIPv6, IList<IPAddress> unicastPeers, IList<IPAddress> excluded)
    {
        var family = isIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        bool wantLinkLocal = isIPv6 && unicastPeers.All(p => p.IsIPv6LinkLocal);
        foreach (var address in candidates)
        {
            if (address.AddressFamily == family && !IsExcluded(address, excluded) && (!isIPv6 || address.IsIPv6LinkLocal == wantLinkLocal))
            {
                return address;
            }
        }

        return null;
    }

    private static bool IsExcluded(IPAddress address, IList<IPAddress> excluded)
    {
        foreach (var e in excluded)
        {
            // Compare without the IPv6 scope: a VIP is configured without one.
            if (e.AddressFamily == address.AddressFamily && e.GetAddressBytes().AsSpan().SequenceEqual(address.GetAddressBytes()))
            {
                return true;
            }
        }

        return false;
    }

    private static string Wanted(bool isIPv6, IList<IPAddress> unicastPeers) =>
        !isIPv6 ? "IPv4" : unicastPeers.All(p => p.IsIPv6LinkLocal) ? "IPv6 link-local" : "global IPv6";
}
