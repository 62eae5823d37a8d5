using System.Runtime.InteropServices;

#if VIRTUALIP_BALANCING
namespace VirtualIp.Balancing.Interop;
#else
namespace VirtualIp.Linux.Interop;
#endif

/// <summary>
/// The libc entry points both Linux code paths call (VirtualIp.Linux's netlink and raw sockets, VirtualIp.Balancing's
/// epoll engine): one source, linked into both projects' <c>LibC</c>.
/// </summary>
internal static unsafe partial class LibC
{
    /// <summary>socket(2).</summary>
    [LibraryImport(Library, EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    /// <summary>close(2).</summary>
    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);
}
