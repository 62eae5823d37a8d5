using System.Net.Sockets;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Tells socket errors caused by this host running out of something (file handles, buffers, memory, ports) from errors
/// that say something about the backend. A local error is never a backend failure: passive health ignores it (it would
/// otherwise mark healthy backends down while this process is the one in trouble).
/// </summary>
internal static class SocketErrorClassifier
{
    /// <summary>
    /// True for local resource errors: <c>EMFILE</c>/<c>ENFILE</c> (<see cref="SocketError.TooManyOpenSockets"/>),
    /// <c>ENOBUFS</c>/<c>ENOMEM</c> (<see cref="SocketError.NoBufferSpaceAvailable"/>), <c>EADDRNOTAVAIL</c>
    /// (<see cref="SocketError.AddressNotAvailable"/>: no usable local address or port), <c>EADDRINUSE</c>
    /// (<see cref="SocketError.AddressAlreadyInUse"/>) and <c>EAGAIN</c> (<see cref="SocketError.WouldBlock"/>: a UDP
    /// or TCP connect that found no free ephemeral port, or a full local send queue). Refused, reset, unreachable and
    /// timed-out are about the backend or the path to it: false.
    /// </summary>
    public static bool IsLocal(SocketError error) => error is
        SocketError.TooManyOpenSockets or
        SocketError.NoBufferSpaceAvailable or
        SocketError.AddressNotAvailable or
        SocketError.AddressAlreadyInUse or
        SocketError.WouldBlock;

    /// <summary>True when <paramref name="exception"/> is a <see cref="SocketException"/> with a local error (see <see cref="IsLocal(SocketError)"/>).</summary>
    public static bool IsLocal(Exception? exception) => exception is SocketException s && IsLocal(s.SocketErrorCode);

    /// <summary>A constant metric/log name for a socket error (no allocation): <c>too_many_open_sockets</c>, ..., <c>other</c>.</summary>
    public static string Name(SocketError error) => error switch
    {
        SocketError.TooManyOpenSockets => "too_many_open_sockets",
        SocketError.NoBufferSpaceAvailable => "no_buffer_space",
        SocketError.AddressNotAvailable => "address_not_available",
        SocketError.AddressAlreadyInUse => "address_in_use",
        SocketError.WouldBlock => "would_block",
        SocketError.ConnectionRefused => "connection_refused",
        SocketError.ConnectionReset => "connection_reset",
        SocketError.HostUnreachable => "host_unreachable",
        SocketError.NetworkUnreachable => "network_unreachable",
        SocketError.TimedOut => "timed_out",
        _ => "other",
    };
}
