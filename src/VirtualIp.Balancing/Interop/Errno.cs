using System.Net.Sockets;

namespace VirtualIp.Balancing.Interop;

/// <summary>Linux errno values the epoll engine names (asm-generic/errno*.h), and their <see cref="SocketError"/>.</summary>
internal static class Errno
{
    internal const int EINTR = 4;
    internal const int EBADF = 9;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EINVAL = 22;
    internal const int ENFILE = 23;
    internal const int EMFILE = 24;
    internal const int EPIPE = 32;
    internal const int ENOTSOCK = 88;
    internal const int EADDRINUSE = 98;
    internal const int EADDRNOTAVAIL = 99;
    internal const int ENETUNREACH = 101;
    internal const int ECONNABORTED = 103;
    internal const int ECONNRESET = 104;
    internal const int ENOBUFS = 105;
    internal const int ETIMEDOUT = 110;
    internal const int ECONNREFUSED = 111;
    internal const int EHOSTUNREACH = 113;
    internal const int EINPROGRESS = 115;

    /// <summary>The <see cref="SocketError"/> .NET reports for <paramref name="errno"/> (those the forwarder tells apart).</summary>
    public static SocketError ToSocketError(int errno) => errno switch
    {
        EMFILE or ENFILE => SocketError.TooManyOpenSockets,
        ENOBUFS or ENOMEM => SocketError.NoBufferSpaceAvailable,
        EADDRNOTAVAIL => SocketError.AddressNotAvailable,
        EADDRINUSE => SocketError.AddressAlreadyInUse,
        EAGAIN => SocketError.WouldBlock,
        ECONNREFUSED => SocketError.ConnectionRefused,
        ECONNRESET or EPIPE => SocketError.ConnectionReset,
        ECONNABORTED => SocketError.ConnectionAborted,
        EHOSTUNREACH => SocketError.HostUnreachable,
        ENETUNREACH => SocketError.NetworkUnreachable,
        ETIMEDOUT => SocketError.TimedOut,
        EINVAL => SocketError.InvalidArgument,
        _ => SocketError.SocketError,
    };
}
