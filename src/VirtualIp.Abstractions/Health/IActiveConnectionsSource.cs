namespace VirtualIp.Health;

/// <summary>
/// The active connections of named L4 forwarders, for load tracking (<c>TrackLoad</c> with source <c>Connections</c>):
/// VirtualIp.Balancing registers one with <c>AddVirtualIpForwarder</c>, so the core needs no reference to it.
/// </summary>
public interface IActiveConnectionsSource
{
    /// <summary>Client connections (TCP) or sessions (UDP) of forwarder <paramref name="forwarder"/> open now.</summary>
    /// <param name="forwarder">The forwarder's name.</param>
    /// <param name="count">The count; 0 when false.</param>
    /// <returns>False when no forwarder of that name runs (not started yet, stopped, or not configured).</returns>
    bool TryGetActiveConnections(string forwarder, out int count);
}
