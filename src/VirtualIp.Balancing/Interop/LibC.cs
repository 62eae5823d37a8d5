using System.Runtime.InteropServices;

namespace VirtualIp.Balancing.Interop;

/// <summary>
/// Every libc entry point VirtualIp.Balancing calls (the epoll TCP engine, Linux only), declared once. Layouts are those
/// of 64-bit Linux (x64 and arm64, glibc and musl). Errors come back as -1 with errno in
/// <see cref="Marshal.GetLastPInvokeError"/>; <see cref="Errno"/> names the values.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    internal const int AF_INET = 2;
    internal const int AF_INET6 = 10;
    internal const int SOCK_STREAM = 1;
    internal const int SOCK_NONBLOCK = 0x800;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int IPPROTO_TCP = 6;
    internal const int SOL_SOCKET = 1;
    internal const int SO_ERROR = 4;
    internal const int SO_LINGER = 13;
    internal const int TCP_NODELAY = 1;
    internal const int SHUT_WR = 1;
    internal const int MSG_NOSIGNAL = 0x4000;

    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;
    internal const int EPOLL_CTL_MOD = 3;
    internal const uint EPOLLIN = 0x001;
    internal const uint EPOLLOUT = 0x004;
    internal const uint EPOLLERR = 0x008;
    internal const uint EPOLLHUP = 0x010;
    internal const uint EPOLLRDHUP = 0x2000;
    internal const uint EPOLLET = 1u << 31;

    internal const int EFD_NONBLOCK = 0x800;
    internal const int EFD_CLOEXEC = 0x80000;

    /// <summary>Bytes of one <c>struct epoll_event</c>: packed (12) on x64, naturally aligned (16) elsewhere.</summary>
    internal static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    /// <summary>Offset of <c>epoll_event.data</c> (4 on x64, 8 elsewhere).</summary>
    internal static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;


    /// <summary>connect(2).</summary>
    [LibraryImport(Library, EntryPoint = "connect", SetLastError = true)]
    internal static partial int Connect(int fd, byte* address, int addressLength);

    /// <summary>accept4(2).</summary>
    [LibraryImport(Library, EntryPoint = "accept4", SetLastError = true)]
    internal static partial int Accept4(int fd, byte* address, int* addressLength, int flags);

    /// <summary>recv(2).</summary>
    [LibraryImport(Library, EntryPoint = "recv", SetLastError = true)]
    internal static partial nint Recv(int fd, byte* buffer, nint length, int flags);

    /// <summary>send(2).</summary>
    [LibraryImport(Library, EntryPoint = "send", SetLastError = true)]
    internal static partial nint Send(int fd, byte* buffer, nint length, int flags);

    /// <summary>shutdown(2).</summary>
    [LibraryImport(Library, EntryPoint = "shutdown", SetLastError = true)]
    internal static partial int Shutdown(int fd, int how);

    /// <summary>setsockopt(2).</summary>
    [LibraryImport(Library, EntryPoint = "setsockopt", SetLastError = true)]
    internal static partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    /// <summary>getsockopt(2).</summary>
    [LibraryImport(Library, EntryPoint = "getsockopt", SetLastError = true)]
    internal static partial int GetSockOpt(int fd, int level, int name, void* value, int* length);


    /// <summary>epoll_create1(2).</summary>
    [LibraryImport(Library, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate1(int flags);

    /// <summary>epoll_ctl(2); <paramref name="ev"/> points at one <c>struct epoll_event</c> (see <see cref="EpollEventSize"/>).</summary>
    [LibraryImport(Library, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    /// <summary>epoll_wait(2).</summary>
    [LibraryImport(Library, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMs);

    /// <summary>eventfd(2).</summary>
    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initial, int flags);

    /// <summary>read(2) (the eventfd counter).</summary>
    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, void* buffer, nint length);

    /// <summary>write(2) (the eventfd counter).</summary>
    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, void* buffer, nint length);

    /// <summary>epoll_ctl ADD of <paramref name="fd"/> for <paramref name="events"/> with <paramref name="data"/>.</summary>
    internal static int EpollAdd(int epfd, int fd, uint events, ulong data)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + EpollDataOffset) = data;
        return EpollCtl(epfd, EPOLL_CTL_ADD, fd, ev);
    }

    /// <summary>Sets an int socket option; 0 or -1.</summary>
    internal static int SetInt(int fd, int level, int name, int value) => SetSockOpt(fd, level, name, &value, sizeof(int));

    /// <summary>Closes with SO_LINGER {on, 0}: the peer gets a reset (RST) instead of a FIN.</summary>
    internal static void Reset(int fd)
    {
        int* linger = stackalloc int[2];
        linger[0] = 1;
        linger[1] = 0;
        _ = SetSockOpt(fd, SOL_SOCKET, SO_LINGER, linger, 2 * sizeof(int));
        _ = Close(fd);
    }
}
