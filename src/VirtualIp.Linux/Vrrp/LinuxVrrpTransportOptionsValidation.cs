using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Linux.Vrrp;

/// <summary>Checks <see cref="LinuxVrrpTransportOptions"/> before any socket is opened; every message names the bad value.</summary>
internal static class LinuxVrrpTransportOptionsValidation
{
    /// <exception cref="ArgumentException">The interface name, a unicast peer or the source address is invalid.</exception>
    public static void Validate(LinuxVrrpTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var name = options.InterfaceName;
        if (string.IsNullOrWhiteSpace(name) || name.Length > 15 || name.Contains('/', StringComparison.Ordinal)
            || name.Any(char.IsWhiteSpace) || name is "." or "..")
        {
            throw new ArgumentException($"InterfaceName '{name}' is not a valid Linux interface name (1-15 characters, no '/' or spaces).", nameof(options));
        }

        var family = options.IsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        foreach (var peer in options.UnicastPeers)
        {
            if (peer is null || peer.AddressFamily != family)
            {
                throw new ArgumentException($"UnicastPeers entry '{peer}' is not an {(options.IsIPv6 ? "IPv6" : "IPv4")} address.", nameof(options));
            }

            if (IsMulticast(peer) || peer.Equals(IPAddress.Any) || peer.Equals(IPAddress.IPv6Any) || peer.Equals(IPAddress.Broadcast))
            {
                throw new ArgumentException($"UnicastPeers entry '{peer}' is not a unicast address.", nameof(options));
            }
        }

        if (options.SourceAddress is { } source && (source.AddressFamily != family || IsMulticast(source)))
        {
            throw new ArgumentException($"SourceAddress '{source}' is not a unicast {(options.IsIPv6 ? "IPv6" : "IPv4")} address.", nameof(options));
        }
    }

    private static bool IsMulticast(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6
            ? address.IsIPv6Multicast
            : (address.GetAddressBytes()[0] & 0xF0) == 0xE0;
}
