using System.Net.Sockets;
using System.Runtime.InteropServices;
using VirtualIp.Binding;
using VirtualIp.Linux.Interop;

namespace VirtualIp.Linux.Netlink;

/// <summary>
/// An rtnetlink socket: the one P/Invoke (<c>socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE)</c>) wrapped in
/// a managed <see cref="System.Net.Sockets.Socket"/>. The socket lives in the network namespace of the thread that
/// creates it.
/// </summary>
internal sealed class NetlinkSocket : IDisposable
{
    private uint _sequence;

    private NetlinkSocket(Socket socket)
    {
        Socket = socket;
        // Start sequence numbers somewhere different per socket so stale replies are never confused.
        _sequence = (uint)Environment.TickCount;
    }

    /// <summary>The managed socket.</summary>
    public Socket Socket { get; }

    /// <summary>Opens a socket with extended acks (kernel error text) and capped acks enabled.</summary>
    /// <exception cref="VipBindingException">The kernel refused to create the socket.</exception>
    public static NetlinkSocket Open()
    {
        int fd = LibC.Socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, LibC.NETLINK_ROUTE);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw NetlinkErrors.Create("Opening an rtnetlink socket", null, errno, null);
        }

        var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        var s = new NetlinkSocket(socket);
        // Best effort: older kernels may lack these; errors then carry only errno.
        s.TrySetOption(Nl.NETLINK_EXT_ACK, 1);
        s.TrySetOption(Nl.NETLINK_CAP_ACK, 1);
        return s;
    }

    /// <summary>The next request sequence number (never 0, which events use).</summary>
    public uint NextSequence()
    {
        uint s = unchecked(++_sequence);
        return s == 0 ? unchecked(++_sequence) : s;
    }

    /// <summary>
    /// Binds to a kernel-assigned port id. Needed before listening to groups: notifications are sent with "exclude
    /// port id 0", so an unbound socket (port id 0; sending autobinds, but an event socket never sends) gets nothing.
    /// </summary>
    public void Bind() => Socket.Bind(new NetlinkEndPoint());

    /// <summary>Joins an rtnetlink multicast group (RTNLGRP_*).</summary>
    public void JoinGroup(int group) => SetOption(Nl.NETLINK_ADD_MEMBERSHIP, group);

    /// <summary>Sets an int SOL_NETLINK option; returns false if the kernel refused it.</summary>
    public bool TrySetOption(int option, int value)
    {
        try
        {
            SetOption(option, value);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void SetOption(int option, int value)
    {
        Span<byte> v = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(v, value);
        Socket.SetRawSocketOption(Nl.SOL_NETLINK, option, v);
    }

    /// <inheritdoc />
    public void Dispose() => Socket.Dispose();
}
