using System.Net.Sockets;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Socket errors that are this host's fault, not the backend's: out of descriptors (EMFILE/ENFILE), out of local ports
/// (EADDRNOTAVAIL), out of buffer memory (ENOBUFS/ENOMEM). They must never count against a backend's passive health.
/// </summary>
internal static class LocalSocketErrors
{
    public static bool IsLocal(SocketError error) => error is SocketError.TooManyOpenSockets
        or SocketError.AddressNotAvailable
        or SocketError.NoBufferSpaceAvailable
        or SocketError.AddressAlreadyInUse;

    public static bool IsLocal(Exception ex) => ex is SocketException se && IsLocal(se.SocketErrorCode);
}
