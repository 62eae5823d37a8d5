using System.Net.Sockets;
using System.Runtime.InteropServices;
using VirtualIp.Announcing;
using VirtualIp.Linux.Interop;
using VirtualIp.Linux.Netlink;

namespace VirtualIp.Linux.Packet;

/// <summary>
/// <see cref="IFrameSender"/> over a raw AF_PACKET socket bound to one interface (send only: protocol 0, so the
/// kernel queues nothing for us to read). <see cref="Send"/> allocates nothing. Needs CAP_NET_RAW. The socket lives
/// in the network namespace of the thread that constructs the sender.
/// </summary>
internal sealed class AfPacketFrameSender : IFrameSender
{
    internal const string CapNetRawHint = "needs CAP_NET_RAW (run as root or grant the capability)";
    private readonly Socket _socket;

    /// <summary>Opens a sender on <paramref name="interfaceName"/> (resolved in the current network namespace).</summary>
    /// <exception cref="FrameSenderException">The interface does not exist or the socket could not be opened.</exception>
    public AfPacketFrameSender(string interfaceName)
        : this(interfaceName, ResolveIndex(interfaceName))
    {
    }

    /// <summary>Opens a sender on the interface with index <paramref name="interfaceIndex"/>.</summary>
    public AfPacketFrameSender(string interfaceName, int interfaceIndex)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(interfaceIndex);
        InterfaceName = interfaceName;
        InterfaceIndex = interfaceIndex;
        try
        {
            _socket = new Socket(AddressFamily.Packet, SocketType.Raw, ProtocolType.Unspecified);
        }
        catch (SocketException ex)
        {
            throw Map(ex, $"Opening an AF_PACKET socket for '{interfaceName}'", interfaceName);
        }

        try
        {
            _socket.Bind(new PacketEndPoint(interfaceIndex));
        }
        catch (SocketException ex)
        {
            _socket.Dispose();
            throw Map(ex, $"Binding an AF_PACKET socket to '{interfaceName}' (index {interfaceIndex})", interfaceName);
        }
    }

    /// <inheritdoc />
    public string InterfaceName { get; }

    /// <summary>The interface index.</summary>
    public int InterfaceIndex { get; }

    /// <inheritdoc />
    /// <exception cref="FrameSenderException">The kernel refused the frame (e.g. the link is down, ENETDOWN).</exception>
    public void Send(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 14)
        {
            throw new ArgumentException($"An Ethernet frame is at least 14 bytes; got {frame.Length}.", nameof(frame));
        }

        int sent = _socket.Send(frame, SocketFlags.None, out SocketError error);
        if (error != SocketError.Success)
        {
            throw Map(new SocketException((int)error), $"Sending a {frame.Length}-byte frame on '{InterfaceName}'", InterfaceName);
        }

        if (sent != frame.Length)
        {
            throw new FrameSenderException($"Only {sent} of {frame.Length} bytes were sent on '{InterfaceName}'.", 0);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _socket.Dispose();

    internal static int ResolveIndex(string interfaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        uint index = LibC.IfNameToIndex(interfaceName);
        if (index == 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new FrameSenderException($"Interface '{interfaceName}' was not found", errno == 0 ? Errno.ENODEV : errno, NetlinkErrors.NoSuchInterfaceHint(interfaceName));
        }

        return (int)index;
    }

    internal static FrameSenderException Map(SocketException ex, string operation, string interfaceName)
    {
        int errno = ex.SocketErrorCode == SocketError.AccessDenied ? Errno.EPERM : NetlinkClient.ToErrno(ex.SocketErrorCode);
        string? hint = ex.SocketErrorCode switch
        {
            SocketError.AccessDenied => CapNetRawHint,
            SocketError.NetworkDown => $"interface '{interfaceName}' is down",
            _ => null,
        };
        return new FrameSenderException($"{operation} failed with {Errno.Name(errno)}", errno, hint, ex);
    }
}
