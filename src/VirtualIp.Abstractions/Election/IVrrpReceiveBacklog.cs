namespace VirtualIp.Election;

/// <summary>
/// Optional for an <see cref="IVrrpTransport"/>: whether received datagrams are waiting in the transport's queue, not
/// yet handed to the engine. A backup whose Master_Down_Timer expires while adverts wait there (its receive loop was
/// starved by CPU load, its timer was not) gives the receive loop a moment to read them before it takes over, instead
/// of going Master for a few milliseconds and binding the VIP the real master still holds.
/// </summary>
public interface IVrrpReceiveBacklog
{
    /// <summary>True when at least one received datagram waits to be read. Must not allocate or block.</summary>
    bool HasPendingInput { get; }
}
