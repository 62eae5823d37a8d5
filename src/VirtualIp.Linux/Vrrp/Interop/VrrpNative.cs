using System.Runtime.InteropServices;

namespace VirtualIp.Linux.Vrrp.Interop;

/// <summary>The few libc calls the VRRP transport needs that .NET does not expose (x64/arm64 glibc and musl layouts).</summary>
internal static unsafe partial class VrrpNative
{
    private const string LibC = "libc";

    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int SOCK_RAW = 3;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int IPPROTO_VRRP = 112;

    public const int SOL_SOCKET = 1;
    public const int SO_BINDTODEVICE = 25;
    public const int SO_RCVBUF = 8;
    public const int SO_RCVBUFFORCE = 33;
    public const int SO_ATTACH_FILTER = 26;

    public const int IPPROTO_IP = 0;
    public const int IP_TTL = 2;
    public const int IP_MULTICAST_IF = 32;
    public const int IP_MULTICAST_TTL = 33;
    public const int IP_MULTICAST_LOOP = 34;
    public const int IP_ADD_MEMBERSHIP = 35;
    public const int IP_MULTICAST_ALL = 49;

    public const int IPPROTO_IPV6 = 41;
    public const int IPV6_CHECKSUM = 7;
    public const int IPV6_UNICAST_HOPS = 16;
    public const int IPV6_MULTICAST_IF = 17;
    public const int IPV6_MULTICAST_HOPS = 18;
    public const int IPV6_MULTICAST_LOOP = 19;
    public const int IPV6_ADD_MEMBERSHIP = 20;
    public const int IPV6_MULTICAST_ALL = 29;
    public const int IPV6_RECVPKTINFO = 49;
    public const int IPV6_PKTINFO = 50;
    public const int IPV6_RECVHOPLIMIT = 51;
    public const int IPV6_HOPLIMIT = 52;

    public const int MSG_CTRUNC = 0x8;
    public const int MSG_TRUNC = 0x20;
    public const int MSG_DONTWAIT = 0x40;

    public const int EPERM = 1;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOPROTOOPT = 92;
    public const int EAFNOSUPPORT = 97;
    public const int EADDRNOTAVAIL = 99;
    public const int ENETDOWN = 100;
    public const int ENXIO = 6;
    public const int EHOSTUNREACH = 113;

    /// <summary>Size of <c>struct sockaddr_in6</c>.</summary>
    public const int SockaddrIn6Size = 28;

    /// <summary><c>struct iovec</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary><c>struct msghdr</c> (56 bytes on 64-bit Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport(LibC, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(LibC, EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint RecvMsg(nint fd, MsgHdr* message, int flags);

    [LibraryImport(LibC, EntryPoint = "if_nametoindex", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint IfNameToIndex(string name);

    /// <summary>Creates a raw protocol-112 socket; returns the fd or -1 with <paramref name="errno"/> set.</summary>
    public static int CreateVrrpSocket(bool ipv6, out int errno)
    {
        var fd = Socket(ipv6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_VRRP);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }
}
