using System.Net.Sockets;
using System.Text;
using VirtualIp.Addressing;
using VirtualIp.Binding;
using VirtualIp.Linux.Interop;

namespace VirtualIp.Linux.Netlink;

/// <summary>
/// Synchronous request/response over one rtnetlink socket with preallocated buffers: a request and its ack cost
/// no managed allocation. Thread-safe (one request at a time). Bound to the network namespace of the thread that
/// created it.
/// </summary>
internal sealed partial class NetlinkClient : IDisposable
{
    /// <summary>How long to wait for the kernel's answer before giving up (it normally answers in microseconds).</summary>
    private const int ReceiveTimeoutMs = 5000;

    private readonly NetlinkSocket _socket;
    private readonly byte[] _request = new byte[1024];
    private readonly byte[] _receive = new byte[64 * 1024];
    private readonly Lock _gate = new();
    private bool _disposed;

    public NetlinkClient()
    {
        _socket = NetlinkSocket.Open();
        _socket.TrySetOption(Nl.NETLINK_GET_STRICT_CHK, 1);
        _socket.Socket.ReceiveTimeout = ReceiveTimeoutMs;
    }

    /// <summary>The kernel's errno for a request, and its extended-ack text.</summary>
    internal readonly record struct Outcome(int Errno, string? ExtAck);

    /// <summary>Adds (<paramref name="add"/>) or deletes an address; returns the errno (0 = done).</summary>
    public Outcome ChangeAddress(bool add, int interfaceIndex, VipAddress vip, VipBindOptions? options)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            uint seq = _socket.NextSequence();
            var req = NetlinkMessages.WriteAddressRequest(_request, add, seq, interfaceIndex, vip, options);
            return Transact(req, seq, expectReplyType: 0, out _);
        }
    }

    /// <summary>Looks a link up by name. Returns ENODEV in the outcome when it does not exist.</summary>
    public Outcome GetLink(string name, out LinkState? link)
    {
        link = null;
        if (name.Length == 0 || Encoding.UTF8.GetByteCount(name) > Nl.MaxInterfaceNameLength)
        {
            return new Outcome(Errno.ENODEV, $"'{name}' is not a valid interface name (1 to 15 bytes)");
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            uint seq = _socket.NextSequence();
            var req = NetlinkMessages.WriteLinkByName(_request, seq, name);
            var outcome = Transact(req, seq, Nl.RTM_NEWLINK, out int replyLength);
            if (outcome.Errno == 0 && replyLength > 0)
            {
                var r = new NetlinkReader(_receive.AsSpan(0, replyLength));
                while (r.TryRead(out var m))
                {
                    if (m.Sequence == seq && m.Type == Nl.RTM_NEWLINK && NetlinkMessages.TryParseLink(m.Payload, out link))
                    {
                        break;
                    }
                }
            }

            return outcome;
        }
    }

    /// <summary>Resolves a name to an index without allocating; returns the errno.</summary>
    public Outcome ResolveIndex(string name, out int index)
    {
        index = 0;
        if (name.Length == 0 || Encoding.UTF8.GetByteCount(name) > Nl.MaxInterfaceNameLength)
        {
            return new Outcome(Errno.ENODEV, null);
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            uint seq = _socket.NextSequence();
            var req = NetlinkMessages.WriteLinkByName(_request, seq, name);
            var outcome = Transact(req, seq, Nl.RTM_NEWLINK, out int replyLength);
            if (outcome.Errno == 0)
            {
                var r = new NetlinkReader(_receive.AsSpan(0, replyLength));
                while (r.TryRead(out var m))
                {
                    if (m.Sequence == seq && m.Type == Nl.RTM_NEWLINK && NetlinkMessages.TryReadLinkIndex(m.Payload, out index, out _))
                    {
                        break;
                    }
                }
            }

            return outcome;
        }
    }

    /// <summary>Lists addresses (family 0 = both), optionally of one interface.</summary>
    public Outcome ListAddresses(int interfaceIndex, List<(BoundAddress Address, byte Scope)> into)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            uint seq = _socket.NextSequence();
            var req = NetlinkMessages.WriteAddressDump(_request, seq, Nl.AF_UNSPEC, interfaceIndex);
            return Dump(req, seq, Nl.RTM_NEWADDR, into, interfaceIndex, static (payload, list, ifindex) =>
            {
                if (NetlinkMessages.TryParseAddress(payload, out var a, out byte scope) && (ifindex == 0 || a!.InterfaceIndex == ifindex))
                {
                    list.Add((a!, scope));
                }
            });
        }
    }

    /// <summary>Lists every link.</summary>
    public Outcome ListLinks(List<LinkState> into)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            uint seq = _socket.NextSequence();
            var req = NetlinkMessages.WriteLinkDump(_request, seq);
            return Dump(req, seq, Nl.RTM_NEWLINK, into, 0, static (payload, list, _) =>
            {
                if (NetlinkMessages.TryParseLink(payload, out var l))
                {
                    list.Add(l!);
                }
            });
        }
    }

    private delegate void PayloadHandler<TState>(ReadOnlySpan<byte> payload, TState state, int arg);

    /// <summary>What one message of the answer does to the exchange: true ends it (successfully).</summary>
    private delegate bool AnswerHandler<TState>(in NetlinkMessage message, int datagramLength, ref TState state);

    /// <summary>Sends a dump request and hands every <paramref name="type"/> message of the answer to <paramref name="handler"/> until NLMSG_DONE.</summary>
    private Outcome Dump<TState>(ReadOnlySpan<byte> request, uint seq, ushort type, TState state, int arg, PayloadHandler<TState> handler)
    {
        var dump = (Type: type, State: state, Arg: arg, Handler: handler);
        return Exchange(request, seq, ref dump, static (in NetlinkMessage m, int _, ref (ushort Type, TState State, int Arg, PayloadHandler<TState> Handler) d) =>
        {
            if (m.Type == Nl.NLMSG_DONE)
            {
                return true;
            }

            if (m.Type == d.Type)
            {
                d.Handler(m.Payload, d.State, d.Arg);
            }

            return false;
        });
    }

    /// <summary>
    /// Sends a request and waits for its answer: an NLMSG_ERROR (ack or error) or, when
    /// <paramref name="expectReplyType"/> is non-zero, a reply of that type (whose datagram length is returned).
    /// </summary>
    private Outcome Transact(ReadOnlySpan<byte> request, uint seq, ushort expectReplyType, out int replyLength)
    {
        var reply = (Type: expectReplyType, Length: 0);
        var outcome = Exchange(request, seq, ref reply, static (in NetlinkMessage m, int length, ref (ushort Type, int Length) r) =>
        {
            if (r.Type == 0 || m.Type != r.Type)
            {
                return false;
            }

            r.Length = length;
            return true;
        });
        replyLength = reply.Length;
        return outcome;
    }

    /// <summary>
    /// Sends a request and reads the kernel's answer to <paramref name="seq"/> (messages of other sequences, late answers
    /// to earlier requests, are skipped) until an NLMSG_ERROR (ack: success; else the errno and extended-ack text) or a
    /// message for which <paramref name="handler"/> returns true.
    /// </summary>
    private Outcome Exchange<TState>(ReadOnlySpan<byte> request, uint seq, ref TState state, AnswerHandler<TState> handler)
    {
        if (!Send(request, out int sendErrno))
        {
            return new Outcome(sendErrno, null);
        }

        while (true)
        {
            int n = Receive(out int recvErrno);
            if (n < 0)
            {
                return new Outcome(recvErrno, null);
            }

            var r = new NetlinkReader(_receive.AsSpan(0, n));
            while (r.TryRead(out var m))
            {
                if (m.Sequence != seq)
                {
                    continue; // a late answer to an earlier request
                }

                if (m.Type == Nl.NLMSG_ERROR)
                {
                    if (!NetlinkError.TryParse(m, out var err))
                    {
                        return new Outcome(Errno.EINVAL, "malformed NLMSG_ERROR");
                    }

                    return err.Error == 0 ? default : new Outcome(-err.Error, ExtAckText(err));
                }

                if (handler(m, n, ref state))
                {
                    return default;
                }
            }
        }
    }

    private static string? ExtAckText(in NetlinkError err) =>
        err.ExtAckMessage.IsEmpty ? null : Encoding.UTF8.GetString(err.ExtAckMessage);

    private bool Send(ReadOnlySpan<byte> request, out int errno)
    {
        _socket.Socket.Send(request, SocketFlags.None, out SocketError error);
        errno = error == SocketError.Success ? 0 : ToErrno(error);
        return error == SocketError.Success;
    }

    private int Receive(out int errno)
    {
        int n = _socket.Socket.Receive(_receive, SocketFlags.None, out SocketError error);
        if (error != SocketError.Success)
        {
            errno = error == SocketError.TimedOut || error == SocketError.WouldBlock ? Errno.ETIMEDOUT : ToErrno(error);
            return -1;
        }

        errno = 0;
        return n;
    }

    /// <summary>Maps a managed socket error back to errno.</summary>
    internal static int ToErrno(SocketError error) => error switch
    {
        SocketError.AccessDenied => Errno.EACCES,
        SocketError.NoBufferSpaceAvailable => Errno.ENOBUFS,
        SocketError.TimedOut => Errno.ETIMEDOUT,
        SocketError.WouldBlock => Errno.EAGAIN,
        SocketError.InvalidArgument => Errno.EINVAL,
        SocketError.AddressNotAvailable => Errno.EADDRNOTAVAIL,
        SocketError.AddressAlreadyInUse => Errno.EADDRINUSE,
        SocketError.NetworkDown => Errno.ENETDOWN,
        SocketError.MessageSize => Errno.EMSGSIZE,
        SocketError.OperationNotSupported => Errno.EOPNOTSUPP,
        SocketError.AddressFamilyNotSupported => Errno.EAFNOSUPPORT,
        SocketError.ProtocolNotSupported => Errno.EPROTONOSUPPORT,
        _ => new SocketException((int)error).NativeErrorCode,
    };

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _socket.Dispose();
        }
    }
}
