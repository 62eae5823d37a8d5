using VirtualIp.Addressing;

namespace VirtualIp.Announcing;

/// <summary>Receives address claims seen on an interface (see <see cref="INeighborClaimListener"/>).</summary>
public interface INeighborClaimHandler
{
    /// <summary>
    /// <paramref name="sender"/> claimed <paramref name="address"/> (4 or 16 bytes, valid only during the call): an ARP
    /// reply or gratuitous ARP with that sender protocol address, or a Neighbor Advertisement with that target.
    /// </summary>
    void OnClaim(ReadOnlySpan<byte> address, MacAddress sender);
}

/// <summary>
/// Watches an interface for ARP replies, gratuitous ARPs and Neighbor Advertisements (on Linux an AF_PACKET socket
/// with a kernel filter), so the engine can notice another machine claiming one of its VIPs (RFC 5227 section 2.4).
/// </summary>
public interface INeighborClaimListener : IAsyncDisposable
{
    /// <summary>The interface watched.</summary>
    string InterfaceName { get; }

    /// <summary>Starts delivering claims to <paramref name="handler"/> on the listener's own receive loop.</summary>
    ValueTask StartAsync(INeighborClaimHandler handler, CancellationToken cancellationToken = default);
}
