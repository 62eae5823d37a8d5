namespace VirtualIp.Election;

/// <summary>
/// Optional for an <see cref="IVrrpTransport"/>: drop, before the engine sees them, packets for VRIDs no router on the
/// transport serves (on Linux a classic BPF program on the socket, so a flood costs no wake-ups). The engine calls it
/// whenever the set of routers on the transport changes.
/// </summary>
public interface IVrrpReceiveFilter
{
    /// <summary>Only packets carrying one of <paramref name="virtualRouterIds"/> need to be delivered (empty = none registered yet: deliver all).</summary>
    void SetVirtualRouterIds(ReadOnlySpan<byte> virtualRouterIds);
}
