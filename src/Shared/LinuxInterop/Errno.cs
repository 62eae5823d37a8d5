using System.Net.Sockets;

#if VIRTUALIP_BALANCING
namespace VirtualIp.Balancing.Interop;
#else
namespace VirtualIp.Linux.Interop;
#endif

/// <summary>
/// Linux errno values (asm-generic/errno*.h), their names and the <see cref="SocketError"/> .NET reports for them.
/// One source, linked into VirtualIp.Linux and VirtualIp.Balancing (each compiles it into its own Interop namespace;
/// neither package depends on the other).
/// </summary>
internal static class Errno
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int ESRCH = 3;
    internal const int EINTR = 4;
    internal const int ENXIO = 6;
    internal const int EBADF = 9;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EACCES = 13;
    internal const int EBUSY = 16;
    internal const int EEXIST = 17;
    internal const int ENODEV = 19;
    internal const int EINVAL = 22;
    internal const int ENFILE = 23;
    internal const int EMFILE = 24;
    internal const int EPIPE = 32;
    internal const int ERANGE = 34;
    internal const int ENOTSOCK = 88;
    internal const int EMSGSIZE = 90;
    internal const int ENOPROTOOPT = 92;
    internal const int EPROTONOSUPPORT = 93;
    internal const int EOPNOTSUPP = 95;
    internal const int EAFNOSUPPORT = 97;
    internal const int EADDRINUSE = 98;
    internal const int EADDRNOTAVAIL = 99;
    internal const int ENETDOWN = 100;
    internal const int ENETUNREACH = 101;
    internal const int ECONNABORTED = 103;
    internal const int ECONNRESET = 104;
    internal const int ENOBUFS = 105;
    internal const int ETIMEDOUT = 110;
    internal const int ECONNREFUSED = 111;
    internal const int EHOSTUNREACH = 113;
    internal const int EINPROGRESS = 115;

    /// <summary>The symbolic name of an errno value, e.g. "EPERM", or "errno N".</summary>
    internal static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        ESRCH => "ESRCH",
        EINTR => "EINTR",
        ENXIO => "ENXIO",
        EBADF => "EBADF",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        ENFILE => "ENFILE",
        EMFILE => "EMFILE",
        EPIPE => "EPIPE",
        ERANGE => "ERANGE",
        ENOTSOCK => "ENOTSOCK",
        EMSGSIZE => "EMSGSIZE",
        ENOPROTOOPT => "ENOPROTOOPT",
        EPROTONOSUPPORT => "EPROTONOSUPPORT",
        EOPNOTSUPP => "EOPNOTSUPP",
        EAFNOSUPPORT => "EAFNOSUPPORT",
        EADDRINUSE => "EADDRINUSE",
        EADDRNOTAVAIL => "EADDRNOTAVAIL",
        ENETDOWN => "ENETDOWN",
        ENETUNREACH => "ENETUNREACH",
        ECONNABORTED => "ECONNABORTED",
        ECONNRESET => "ECONNRESET",
        ENOBUFS => "ENOBUFS",
        ETIMEDOUT => "ETIMEDOUT",
        ECONNREFUSED => "ECONNREFUSED",
        EHOSTUNREACH => "EHOSTUNREACH",
        EINPROGRESS => "EINPROGRESS",
        _ => "errno " + errno.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

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
