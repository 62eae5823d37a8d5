using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Opens the TCP forwarder's listening sockets. Linux: one <c>SO_REUSEPORT</c> listener per accept loop, so accepts
/// complete on several socket engine threads (a single listener belongs to one) and the kernel spreads new connections
/// between them; <c>TCP_NODELAY</c> is set on the listeners, which Linux copies to every accepted socket (no
/// setsockopt per connection). Elsewhere: one listener, shared by the loops.
/// </summary>
internal static class TcpListeners
{
    /// <summary>Linux copies TCP_NODELAY from the listener to the sockets it accepts.</summary>
    public static bool AcceptedInheritNoDelay { get; } = OperatingSystem.IsLinux();

    /// <summary>Binds and listens; returns at least one socket (several on Linux, up to <paramref name="count"/>).</summary>
    public static Socket[] Open(IPEndPoint ep, ForwarderOptions options, int count)
    {
        // The kernel would let any SO_REUSEPORT socket of this user join the group, so a fixed port is first bound and
        // listened on once without it (Linux checks listeners' conflicts at listen, not bind): a port already in use
        // fails as it always did.
        bool reusePort = OperatingSystem.IsLinux();
        if (reusePort && ep.Port != 0)
        {
            Create(ep, options, reusePort: false, backlog: 1).Dispose();
        }

        var first = Create(ep, options, reusePort, options.Backlog);
        var listeners = new List<Socket> { first };
        if (reusePort)
        {
            var bound = new IPEndPoint(ep.Address, ((IPEndPoint)first.LocalEndPoint!).Port);
            for (int i = 1; i < count; i++)
            {
                try
                {
                    listeners.Add(Create(bound, options, reusePort: true, options.Backlog));
                }
                catch (SocketException)
                {
                    break; // serve with the listeners there are
                }
            }
        }

        return [.. listeners];
    }

    private static Socket Create(IPEndPoint ep, ForwarderOptions options, bool reusePort, int backlog)
    {
        var s = new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (ep.AddressFamily == AddressFamily.InterNetworkV6 && ep.Address.Equals(IPAddress.IPv6Any))
            {
                s.DualMode = true;
            }

            if (reusePort || !OperatingSystem.IsLinux())
            {
                // .NET's ReuseAddress sets SO_REUSEADDR and, on Linux, SO_REUSEPORT too.
                s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                if (reusePort)
                {
                    ListenerSockets.SetReusePort(s);
                }
            }
            else
            {
                ListenerSockets.SetReuseAddressOnly(s); // the exclusivity probe: SO_REUSEADDR (TIME_WAIT) without SO_REUSEPORT
            }

            if (AcceptedInheritNoDelay)
            {
                s.NoDelay = true;
            }

            ListenerSockets.Prepare(s, ep, options);
            s.Bind(ep);
            s.Listen(backlog);
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }
}
