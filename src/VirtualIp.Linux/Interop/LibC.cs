using System.Runtime.InteropServices;

namespace VirtualIp.Linux.Interop;

/// <summary>
/// Every libc entry point VirtualIp.Linux calls (.NET has no managed equivalent for these), declared once; the layouts
/// are those of 64-bit Linux (x64/arm64, glibc and musl).
/// </summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    internal const int AF_INET = 2;
    internal const int AF_INET6 = 10;
    internal const int AF_NETLINK = 16;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int NETLINK_ROUTE = 0;
    internal const int IPPROTO_VRRP = 112;
    internal const int CLONE_NEWNET = 0x40000000;

    internal const int MSG_CTRUNC = 0x8;
    internal const int MSG_TRUNC = 0x20;
    internal const int MSG_DONTWAIT = 0x40;

    /// <summary>Size of <c>struct sockaddr_in6</c>.</summary>
    internal const int SockaddrIn6Size = 28;


    /// <summary>recvmsg(2).</summary>
    [LibraryImport(Library, EntryPoint = "recvmsg", SetLastError = true)]
    internal static partial nint RecvMsg(nint fd, MsgHdr* message, int flags);

    /// <summary>setns(2): moves the calling thread into another namespace.</summary>
    [LibraryImport(Library, EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNs(int fd, int nstype);

    /// <summary>if_nametoindex(3), resolved in the calling thread's network namespace.</summary>
    [LibraryImport(Library, EntryPoint = "if_nametoindex", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial uint IfNameToIndex(string name);


    /// <summary><c>socket(AF_INET or AF_INET6, SOCK_RAW | SOCK_CLOEXEC, 112)</c>: the fd, or -1 with <paramref name="errno"/> set.</summary>
    internal static int CreateVrrpSocket(bool ipv6, out int errno)
    {
        var fd = Socket(ipv6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_VRRP);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary><c>struct iovec</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary><c>struct msghdr</c> (56 bytes on 64-bit Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }
}
