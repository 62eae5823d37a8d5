using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using VirtualIp.Linux.Interop;

namespace VirtualIp.Linux.Vrrp;

/// <summary>
/// Opens and configures the raw protocol-112 socket of a VRRP transport: bound to the interface, TTL / hop limit 255,
/// no multicast loop, joined to 224.0.0.18 / ff02::12 (multicast) or bound to the source address (unicast), IPv6
/// checksum at offset 6 and ancillary data for the hop limit and destination. Failures become
/// <see cref="VrrpTransportException"/> naming the option.
/// </summary>
internal static class VrrpSocketSetup
{
    /// <summary>The VRRP IPv4 multicast group.</summary>
    public static readonly IPAddress IPv4Group = IPAddress.Parse("224.0.0.18");

    /// <summary>The VRRP IPv6 multicast group.</summary>
    public static readonly IPAddress IPv6Group = IPAddress.Parse("ff02::12");

    /// <summary>Opens the configured, non-blocking socket for interface <paramref name="name"/> (index <paramref name="index"/>).</summary>
    /// <param name="name">The interface.</param>
    /// <param name="index">Its index.</param>
    /// <param name="isIPv6">The family.</param>
    /// <param name="unicast">True to send to unicast peers (no group membership).</param>
    /// <param name="source">The source address to bind / use for multicast, or null to let the kernel choose.</param>
    /// <exception cref="VrrpTransportException">The kernel refused the socket or an option.</exception>
    public static Socket Open(string name, int index, bool isIPv6, bool unicast, IPAddress? source)
    {
        var fd = LibC.CreateVrrpSocket(isIPv6, out var socketErrno);
        if (fd < 0)
        {
            throw VrrpTransportErrors.FromErrno("socket(protocol 112)", socketErrno, name, isIPv6);
        }

        var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        try
        {
            Configure(socket, name, index, isIPv6, unicast, source);
            socket.Blocking = false;
            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw VrrpTransportErrors.FromSocketException(ex.Data["vrrp.op"] as string ?? "setsockopt", ex, name, isIPv6);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sets an int option; a refusal throws with the option named.</summary>
    public static void SetInt(Socket socket, int level, int option, int value, string what)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        SetOption(socket, level, option, bytes, what);
    }

    /// <summary>Sets an int option the socket works without; returns false if the kernel refused it.</summary>
    public static bool TrySetInt(Socket socket, int level, int option, int value)
    {
        try
        {
            SetInt(socket, level, option, value, "");
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void Configure(Socket socket, string name, int index, bool isIPv6, bool unicast, IPAddress? source)
    {
        Span<byte> nameBytes = stackalloc byte[16];
        nameBytes.Clear();
        Encoding.ASCII.GetBytes(name, nameBytes);
        SetOption(socket, SocketOptions.SOL_SOCKET, SocketOptions.SO_BINDTODEVICE, nameBytes[..(name.Length + 1)], "SO_BINDTODEVICE");

        Span<byte> mreq = stackalloc byte[20];
        if (!isIPv6)
        {
            TrySetInt(socket, SocketOptions.IPPROTO_IP, SocketOptions.IP_MULTICAST_ALL, 0);
            SetInt(socket, SocketOptions.IPPROTO_IP, SocketOptions.IP_TTL, 255, "IP_TTL");
            SetInt(socket, SocketOptions.IPPROTO_IP, SocketOptions.IP_MULTICAST_TTL, 255, "IP_MULTICAST_TTL");
            SetInt(socket, SocketOptions.IPPROTO_IP, SocketOptions.IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP");

            // struct ip_mreqn { in_addr multiaddr; in_addr address; int ifindex; }
            var mreqn = mreq[..12];
            mreqn.Clear();
            source?.TryWriteBytes(mreqn.Slice(4, 4), out _);
            BinaryPrimitives.WriteInt32LittleEndian(mreqn[8..], index);
            SetOption(socket, SocketOptions.IPPROTO_IP, SocketOptions.IP_MULTICAST_IF, mreqn, "IP_MULTICAST_IF");
            if (!unicast)
            {
                mreqn.Clear();
                IPv4Group.TryWriteBytes(mreqn[..4], out _);
                BinaryPrimitives.WriteInt32LittleEndian(mreqn[8..], index);
                SetOption(socket, SocketOptions.IPPROTO_IP, SocketOptions.IP_ADD_MEMBERSHIP, mreqn, "IP_ADD_MEMBERSHIP 224.0.0.18");
            }
            else if (source is not null)
            {
                Bind(socket, source);
            }
        }
        else
        {
            SetInt(socket, SocketOptions.IPPROTO_IPV6, SocketOptions.IPV6_CHECKSUM, 6, "IPV6_CHECKSUM");
            SetInt(socket, SocketOptions.IPPROTO_IPV6, SocketOptions.IPV6_UNICAST_HOPS, 255, "IPV6_UNICAST_HOPS");
            SetInt(socket, SocketOptions.IPPROTO_IPV6, SocketOptions.IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS");
            SetInt(socket, SocketOptions.IPPROTO_IPV6, SocketOptions.IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP");
            SetInt(socket, SocketOptions.IPPROTO_IPV6, SocketOptions.IPV6_MULTICAST_IF, index, "IPV6_MULTICAST_IF");
            SetInt(socket, SocketOptions.IPPROTO_IPV6, SocketOptions.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
            SetInt(socket, SocketOptions.IPPROTO_IPV6, SocketOptions.IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT");
            TrySetInt(socket, SocketOptions.IPPROTO_IPV6, SocketOptions.IPV6_MULTICAST_ALL, 0);
            if (!unicast)
            {
                // struct ipv6_mreq { in6_addr multiaddr; int ifindex; }
                mreq.Clear();
                IPv6Group.TryWriteBytes(mreq[..16], out _);
                BinaryPrimitives.WriteInt32LittleEndian(mreq[16..], index);
                SetOption(socket, SocketOptions.IPPROTO_IPV6, SocketOptions.IPV6_ADD_MEMBERSHIP, mreq, "IPV6_ADD_MEMBERSHIP ff02::12");
            }

            if (source is not null)
            {
                Bind(socket, source);
            }
        }
    }

    private static void Bind(Socket socket, IPAddress source)
    {
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
        }
        catch (SocketException ex)
        {
            ex.Data["vrrp.op"] = $"bind({source})";
            throw;
        }
    }

    private static void SetOption(Socket socket, int level, int option, ReadOnlySpan<byte> value, string what)
    {
        try
        {
            socket.SetRawSocketOption(level, option, value);
        }
        catch (SocketException ex)
        {
            ex.Data["vrrp.op"] = $"setsockopt({what})";
            throw;
        }
    }
}
