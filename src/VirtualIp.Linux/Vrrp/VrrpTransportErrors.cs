using System.Net.Sockets;
using VirtualIp.Linux.Interop;

namespace VirtualIp.Linux.Vrrp;

/// <summary>Turns errno values from socket setup into <see cref="VrrpTransportException"/> with a hint.</summary>
internal static class VrrpTransportErrors
{
    /// <summary>The hint for an errno, or null when there is nothing useful to say.</summary>
    public static string? HintFor(int errno, string interfaceName, bool isIPv6) => errno switch
    {
        Errno.EPERM or Errno.EACCES =>
            "needs CAP_NET_RAW (run as root, or grant it: setcap cap_net_raw+ep, or AmbientCapabilities=CAP_NET_RAW)",
        Errno.ENODEV or Errno.ENXIO =>
            $"interface '{interfaceName}' does not exist in this network namespace",
        Errno.EAFNOSUPPORT => isIPv6 ? "IPv6 is disabled on this host (ipv6.disable=1?)" : "IPv4 is not supported here",
        Errno.EADDRNOTAVAIL => $"the source address is not configured on '{interfaceName}'",
        Errno.ENETDOWN => $"interface '{interfaceName}' is down",
        Errno.EINVAL => "the kernel rejected a socket option value",
        _ => null,
    };

    /// <summary>An exception for a failed call with <paramref name="errno"/>.</summary>
    public static VrrpTransportException FromErrno(string operation, int errno, string interfaceName, bool isIPv6, Exception? inner = null)
    {
        var family = isIPv6 ? "IPv6" : "IPv4";
        return new VrrpTransportException($"VRRP {family} transport on '{interfaceName}': {operation} failed", errno, interfaceName,
            HintFor(errno, interfaceName, isIPv6), inner);
    }

    /// <summary>An exception for a managed socket call that failed.</summary>
    public static VrrpTransportException FromSocketException(string operation, SocketException exception, string interfaceName, bool isIPv6) =>
        FromErrno(operation, exception.NativeErrorCode, interfaceName, isIPv6, exception);
}
