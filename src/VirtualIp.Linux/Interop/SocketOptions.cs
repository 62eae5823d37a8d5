namespace VirtualIp.Linux.Interop;

/// <summary>setsockopt(2) levels and option names (asm-generic/socket.h, linux/in.h, linux/in6.h).</summary>
internal static class SocketOptions
{
    internal const int SOL_SOCKET = 1;
    internal const int SO_RCVBUF = 8;
    internal const int SO_BINDTODEVICE = 25;
    internal const int SO_ATTACH_FILTER = 26;
    internal const int SO_RCVBUFFORCE = 33;

    internal const int IPPROTO_IP = 0;
    internal const int IP_TTL = 2;
    internal const int IP_MULTICAST_IF = 32;
    internal const int IP_MULTICAST_TTL = 33;
    internal const int IP_MULTICAST_LOOP = 34;
    internal const int IP_ADD_MEMBERSHIP = 35;
    internal const int IP_MULTICAST_ALL = 49;

    internal const int IPPROTO_IPV6 = 41;
    internal const int IPV6_CHECKSUM = 7;
    internal const int IPV6_UNICAST_HOPS = 16;
    internal const int IPV6_MULTICAST_IF = 17;
    internal const int IPV6_MULTICAST_HOPS = 18;
    internal const int IPV6_MULTICAST_LOOP = 19;
    internal const int IPV6_ADD_MEMBERSHIP = 20;
    internal const int IPV6_MULTICAST_ALL = 29;
    internal const int IPV6_RECVPKTINFO = 49;
    internal const int IPV6_PKTINFO = 50;
    internal const int IPV6_RECVHOPLIMIT = 51;
    internal const int IPV6_HOPLIMIT = 52;
}
