using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Listener socket options shared by the TCP and UDP forwarders, applied after the socket is created and before it is
/// bound: <see cref="ForwarderOptions.FreeBind"/> (IP_FREEBIND / IPV6_FREEBIND), so a forwarder can bind a floating
/// VIP this node does not hold yet and receives on it the instant the VIP arrives.
/// </summary>
internal static class ListenerSockets
{
    // Linux <linux/in.h> / <linux/in6.h>: SOL_IP 0, IP_FREEBIND 15; SOL_IPV6 41, IPV6_FREEBIND 78 (Linux 4.15+).
    private const int SolIp = 0;
    private const int IpFreeBind = 15;
    private const int SolIpv6 = 41;
    private const int Ipv6FreeBind = 78;

    // Linux <asm-generic/socket.h>: SOL_SOCKET 1, SO_REUSEPORT 15.
    private const int SolSocket = 1;
    private const int SoReusePort = 15;
    private const int SoReuseAddr = 2;

    /// <summary>Applies the listener options of <paramref name="options"/> to <paramref name="socket"/> (before Bind).</summary>
    /// <exception cref="PlatformNotSupportedException">FreeBind is set on an OS other than Linux.</exception>
    /// <exception cref="SocketException">The kernel refused the option (the message names it, with errno).</exception>
    public static void Prepare(Socket socket, IPEndPoint endPoint, ForwarderOptions options)
    {
        if (!options.FreeBind)
        {
            return;
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException($"Forwarder '{options.Name}': FreeBind (binding {endPoint} before the address is on this node) needs Linux IP_FREEBIND.");
        }

        SetFreeBind(socket, endPoint.AddressFamily);
    }

    /// <summary>Sets IP_FREEBIND (IPv4) or IPV6_FREEBIND (IPv6; IP_FREEBIND on kernels before 4.15, which IPv6 sockets honour too).</summary>
    internal static void SetFreeBind(Socket socket, AddressFamily family)
    {
        Span<byte> one = [1, 0, 0, 0];
        if (family == AddressFamily.InterNetworkV6)
        {
            try
            {
                socket.SetRawSocketOption(SolIpv6, Ipv6FreeBind, one);
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ProtocolOption)
            {
                // ENOPROTOOPT: a kernel before 4.15; fall through to IP_FREEBIND.
            }
        }

        socket.SetRawSocketOption(SolIp, IpFreeBind, one);
    }

    /// <summary>True when the socket has IP_FREEBIND (IPv4) / IPV6_FREEBIND (IPv6) set (tests).</summary>
    internal static bool HasFreeBind(Socket socket)
    {
        Span<byte> value = stackalloc byte[4];
        int n = socket.AddressFamily == AddressFamily.InterNetworkV6
            ? socket.GetRawSocketOption(SolIpv6, Ipv6FreeBind, value)
            : socket.GetRawSocketOption(SolIp, IpFreeBind, value);
        return n > 0 && value[0] != 0;
    }

    /// <summary>
    /// Sets SO_REUSEPORT (Linux, before Bind): several listeners on one address and port, the kernel spreading new
    /// connections between them by their addresses' hash — one accept loop per listener, each on its own socket
    /// engine thread, instead of every accept completing on the one thread that owns a single listener.
    /// </summary>
    internal static void SetReusePort(Socket socket)
    {
        Span<byte> one = [1, 0, 0, 0];
        socket.SetRawSocketOption(SolSocket, SoReusePort, one);
    }

    /// <summary>Sets SO_REUSEADDR alone (.NET's <see cref="SocketOptionName.ReuseAddress"/> adds SO_REUSEPORT on Linux).</summary>
    internal static void SetReuseAddressOnly(Socket socket)
    {
        Span<byte> one = [1, 0, 0, 0];
        socket.SetRawSocketOption(SolSocket, SoReuseAddr, one);
    }
}
