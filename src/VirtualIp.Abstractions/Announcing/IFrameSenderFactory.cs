namespace VirtualIp.Announcing;

/// <summary>Opens an <see cref="IFrameSender"/> on a named interface (AF_PACKET, libpcap or Npcap).</summary>
public interface IFrameSenderFactory
{
    /// <summary>Opens a sender bound to <paramref name="interfaceName"/>. The caller disposes it.</summary>
    IFrameSender Create(string interfaceName);
}
