using VirtualIp.Addressing;

namespace VirtualIp.Announcing;

/// <summary>
/// Tells the neighbours where VIPs live: gratuitous ARP for IPv4, unsolicited Neighbor Advertisements for IPv6,
/// sent on a schedule (an immediate burst, a second burst later, optional periodic refresh).
/// </summary>
public interface IVipAnnouncer
{
    /// <summary>
    /// Starts announcing <paramref name="vips"/> on <paramref name="interfaceName"/>. Dispose the result to stop
    /// (for example when the node leaves the master state).
    /// </summary>
    /// <param name="interfaceName">The interface.</param>
    /// <param name="vips">The addresses.</param>
    /// <param name="sourceMac">The MAC to announce (the VRRP virtual MAC), or null for the interface MAC.</param>
    IDisposable Start(string interfaceName, IReadOnlyList<VipAddress> vips, MacAddress? sourceMac = null);
}
