using System.Buffers;
using System.Runtime.InteropServices;
using VirtualIp.Balancing.Interop;

namespace VirtualIp.Balancing.Forwarding.Epoll;

/// <summary>
/// The relay, both directions on the loop thread: read into the loop's scratch buffer, send on at once; only bytes the
/// other side cannot take now are copied to a pooled buffer (held until EPOLLOUT drains it, reading that direction
/// paused meanwhile), so an idle or a flowing connection holds no buffer of its own. Half-close is propagated with
/// shutdown(SHUT_WR); when both directions have ended the two sockets are closed (the close sends the last FIN). A
/// reset or error on either side resets both.
/// </summary>
internal sealed partial class EpollConnection
{
    /// <summary>An epoll event for the client (<paramref name="server"/> false) or backend socket (loop thread).</summary>
    public void OnEvent(bool server, uint events)
    {
        switch (_state)
        {
            case WaitingFirstByte when !server:
                OnFirstByte(events);
                return;
            case Connecting when server:
                OnConnectEvent(events);
                return;
            case Connecting:
                _clientEvents |= events; // acted on once connected
                return;
            case Open:
                bool readable = (events & (LibC.EPOLLIN | LibC.EPOLLRDHUP | LibC.EPOLLHUP | LibC.EPOLLERR)) != 0;
                if (readable)
                {
                    // A short read means drained only when no FIN was reported with this edge (it raises no new one).
                    Pump(upstream: !server, untilEmpty: (events & (LibC.EPOLLRDHUP | LibC.EPOLLHUP | LibC.EPOLLERR)) != 0);
                }

                // Writable: only a direction holding bytes for this side has anything to do.
                if (_state == Open && (events & LibC.EPOLLOUT) != 0 && (server ? _up.Count : _down.Count) > 0)
                {
                    Pump(upstream: server, untilEmpty: true);
                }

                return;
        }
    }

    private unsafe void OnFirstByte(uint events)
    {
        if ((events & (LibC.EPOLLRDHUP | LibC.EPOLLHUP | LibC.EPOLLERR)) == 0)
        {
            // Data is there: connect now, the bytes wait in the kernel (no buffer while connecting).
            _clientEvents = events;
            Touch();
            Connect();
            return;
        }

        // The client also closed (or failed): read what it sent, if anything, before its FIN.
        var scratch = _loop.Scratch;
        nint n;
        fixed (byte* p = scratch)
        {
            n = LibC.Recv(_client, p, scratch.Length, 0);
        }

        if (n < 0 && Marshal.GetLastPInvokeError() == Errno.EAGAIN)
        {
            return;
        }

        if (n <= 0)
        {
            Refuse(Volatile.Read(ref _timeout) == FirstByteTimeout ? TcpRefusal.FirstByteTimeout : TcpRefusal.ClientGone);
            return;
        }

        Hold(ref _up, scratch, 0, (int)n);
        Touch();
        Connect();
    }

    /// <summary>
    /// Moves bytes one way until the source has none, the destination is full, or the direction ended. With
    /// <paramref name="untilEmpty"/> (not called for a fresh edge without FIN) reads on past a short read until EAGAIN
    /// or EOF: the edge that announced what is left may have been consumed while this direction waited.
    /// </summary>
    private unsafe void Pump(bool upstream, bool untilEmpty = true)
    {
        ref var d = ref upstream ? ref _up : ref _down;
        int from = upstream ? _client : _server;
        int to = upstream ? _server : _client;
        if (d.Count > 0 && !Flush(ref d, to, upstream))
        {
            return;
        }

        if (d.Eof)
        {
            DirectionEnded(ref d, upstream);
            return;
        }

        var scratch = _loop.Scratch;
        int size = scratch.Length;
        fixed (byte* p = scratch)
        {
            while (true)
            {
                nint n = LibC.Recv(from, p, size, 0);
                if (n > 0)
                {
                    nint sent = LibC.Send(to, p, n, LibC.MSG_NOSIGNAL);
                    if (sent < 0)
                    {
                        int errno = Marshal.GetLastPInvokeError();
                        if (errno != Errno.EAGAIN)
                        {
                            CloseBoth(reset: true);
                            return;
                        }

                        sent = 0;
                    }

                    Touch();
                    Count(upstream, (int)n);
                    if (sent < n)
                    {
                        Hold(ref d, scratch, (int)sent, (int)(n - sent));
                        WantOut(upstream);
                        return; // EPOLLOUT on the destination resumes this direction
                    }

                    if (n < size && !untilEmpty)
                    {
                        return; // a short read drained the socket (a later arrival raises a new edge)
                    }

                    continue;
                }

                if (n == 0)
                {
                    Touch();
                    d.Eof = true;
                    Interlocked.Increment(ref _fins);
                    DirectionEnded(ref d, upstream);
                    return;
                }

                int error = Marshal.GetLastPInvokeError();
                if (error == Errno.EAGAIN)
                {
                    return;
                }

                if (error != Errno.EINTR)
                {
                    CloseBoth(reset: true);
                    return;
                }
            }
        }
    }

    /// <summary>Sends held bytes; true when all went (the buffer is given back).</summary>
    private unsafe bool Flush(ref Direction d, int to, bool upstream)
    {
        nint sent;
        fixed (byte* p = d.Pending)
        {
            sent = LibC.Send(to, p + d.Offset, d.Count, LibC.MSG_NOSIGNAL);
        }

        if (sent < 0)
        {
            if (Marshal.GetLastPInvokeError() != Errno.EAGAIN)
            {
                CloseBoth(reset: true);
            }

            return false;
        }

        Touch();
        d.Offset += (int)sent;
        d.Count -= (int)sent;
        if (d.Count > 0)
        {
            WantOut(upstream);
            return false;
        }

        ArrayPool<byte>.Shared.Return(d.Pending!);
        d.Pending = null;
        d.Offset = 0;
        return true;
    }

    /// <summary>The source of <paramref name="d"/> sent FIN: pass it on once its bytes are out, or close when both ended.</summary>
    private void DirectionEnded(ref Direction d, bool upstream)
    {
        if (d.Count > 0)
        {
            return; // the FIN follows the held bytes
        }

        ref var other = ref upstream ? ref _down : ref _up;
        if (other.Eof && other.Count == 0)
        {
            CloseBoth(reset: false); // both ended: the close sends this direction's FIN (one shutdown fewer)
            return;
        }

        if (!d.ShutDown)
        {
            d.ShutDown = true;
            _ = LibC.Shutdown(upstream ? _server : _client, LibC.SHUT_WR);
        }
    }

    private static void Hold(ref Direction d, byte[] source, int offset, int count)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(count, 4096));
        source.AsSpan(offset, count).CopyTo(buffer);
        d.Pending = buffer;
        d.Offset = 0;
        d.Count = count;
    }

    /// <summary>Makes sure EPOLLOUT of the destination is watched (the backend's always is; the client's from now on).</summary>
    private void WantOut(bool upstream)
    {
        if (!upstream && !_clientOut)
        {
            _clientOut = true;
            unsafe
            {
                byte* ev = stackalloc byte[16];
                *(uint*)ev = LibC.EPOLLIN | LibC.EPOLLOUT | LibC.EPOLLRDHUP | LibC.EPOLLET;
                *(ulong*)(ev + LibC.EpollDataOffset) = ClientToken;
                _ = LibC.EpollCtl(_loop.Epoll, LibC.EPOLL_CTL_MOD, _client, ev);
            }
        }
    }

    private void Count(bool upstream, int n)
    {
        if (upstream)
        {
            _core.Metrics.BytesReceived(_backend!, n);
        }
        else
        {
            _core.Metrics.BytesSent(_backend!, n);
        }
    }
}
