namespace VirtualIp.Announcing;

/// <summary>
/// Puts complete Ethernet frames on one interface (AF_PACKET on Linux, Npcap/libpcap through SharpPcap).
/// Sending must not allocate.
/// </summary>
public interface IFrameSender : IDisposable
{
    /// <summary>The interface the sender is bound to.</summary>
    string InterfaceName { get; }

    /// <summary>Transmits one frame (destination MAC first, no FCS).</summary>
    void Send(ReadOnlySpan<byte> frame);
}
