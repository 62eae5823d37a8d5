using System.Net.Sockets;
using System.Runtime.InteropServices;
using VirtualIp.Balancing.Interop;

namespace VirtualIp.Balancing.Forwarding.Epoll;

/// <summary>
/// The backend connect: pick (client address as the hash key), nonblocking <c>connect</c>, completion by EPOLLOUT
/// (<c>getsockopt(SO_ERROR)</c> only when the event says error or hang-up), fail over to the next backend. The timeout
/// is the forwarder's sweep (<see cref="CheckTimeouts"/>). Local errors (out of descriptors, ports, buffers) refuse the
/// client as <c>local_error</c> and are never counted against the backend.
/// </summary>
internal sealed partial class EpollConnection
{
    private unsafe void Connect()
    {
        while (true)
        {
            var backend = _attempt < _core.Options.MaxConnectAttempts ? _core.Pick(LastAddress!, _tried.AsSpan(0, _attempt)) : null;
            if (backend is null)
            {
                Refuse(TcpRefusal.NoBackend);
                return;
            }

            _backend = backend;
            var sa = SockAddr.Of(backend);
            int family = sa.Length == SockAddr.MaxSize ? LibC.AF_INET6 : LibC.AF_INET;
            int fault = _loop.Engine.BackendSocketFault?.Invoke() ?? 0;
            int fd = fault != 0 ? -1 : LibC.Socket(family, LibC.SOCK_STREAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0);
            if (fd < 0)
            {
                // socket(2) itself failed: EMFILE/ENFILE/ENOBUFS are ours, never the backend's.
                var error = Errno.ToSocketError(fault != 0 ? fault : Marshal.GetLastPInvokeError());
                _core.Metrics.LocalError(error);
                TcpForwarderLog.LocalResources(_core.Logger, _core.Options.Name, backend.Name, error.ToString());
                _backend = null;
                Refuse(TcpRefusal.LocalResources);
                return;
            }

            _ = LibC.SetInt(fd, LibC.IPPROTO_TCP, LibC.TCP_NODELAY, 1);
            _server = fd;
            Volatile.Write(ref _connectStart, _core.Time.GetTimestamp());
            Volatile.Write(ref _state, Connecting);
            int rc;
            fixed (byte* p = sa)
            {
                rc = LibC.Connect(fd, p, sa.Length);
            }

            int errno = rc == 0 ? 0 : Marshal.GetLastPInvokeError();
            if (rc == 0 || errno == Errno.EINPROGRESS)
            {
                if (LibC.EpollAdd(_loop.Epoll, fd, LibC.EPOLLIN | LibC.EPOLLOUT | LibC.EPOLLRDHUP | LibC.EPOLLET, ServerToken) < 0)
                {
                    errno = Marshal.GetLastPInvokeError();
                    _core.Metrics.LocalError(Errno.ToSocketError(errno));
                    Refuse(TcpRefusal.LocalResources);
                    return;
                }

                if (rc == 0)
                {
                    Connected(LibC.EPOLLOUT);
                }

                return; // EPOLLOUT completes it
            }

            if (!Failed(errno))
            {
                return;
            }
        }
    }

    /// <summary>The connect attempt failed (errno 0: timed out); tries the next backend or refuses.</summary>
    private void ConnectFailed(int errno)
    {
        if (Failed(errno))
        {
            Connect();
        }
    }

    /// <summary>Records a failed attempt; true when another backend should be tried.</summary>
    private bool Failed(int errno)
    {
        var backend = _backend!;
        _backend = null;
        LibC.Reset(_server);
        _server = -1;
        if (_loop.Engine.Forwarder.Stopping.IsCancellationRequested)
        {
            Refuse(TcpRefusal.Stopping);
            return false;
        }

        var error = errno == 0 ? SocketError.TimedOut : Errno.ToSocketError(errno);
        if (errno != 0 && SocketErrorClassifier.IsLocal(error))
        {
            _core.Health.RecordFailure(backend, error); // counted and logged as ours, not the backend's
            Refuse(TcpRefusal.LocalResources);
            return false;
        }

        _core.Metrics.ConnectFailed(backend);
        ForwarderLog.ConnectFailed(_core.Logger, backend.Name, errno == 0 ? "timeout" : error.ToString());
        _core.Health.RecordFailure(backend);
        _tried[_attempt++] = backend;
        return true;
    }

    /// <summary>The backend socket reported <paramref name="events"/> while connecting.</summary>
    private unsafe void OnConnectEvent(uint events)
    {
        if ((events & (LibC.EPOLLERR | LibC.EPOLLHUP)) != 0)
        {
            int error = 0;
            int length = sizeof(int);
            _ = LibC.GetSockOpt(_server, LibC.SOL_SOCKET, LibC.SO_ERROR, &error, &length);
            ConnectFailed(error == 0 ? Errno.ECONNREFUSED : error);
            return;
        }

        if ((events & LibC.EPOLLOUT) != 0)
        {
            Connected(events);
        }
    }

    private void Connected(uint events)
    {
        var backend = _backend!;
        _core.Health.RecordSuccess(backend);
        backend.IncrementInFlight();
        _core.Metrics.Connected(backend);
        _servedStart = _core.Time.GetTimestamp();
        Touch();
        Volatile.Write(ref _state, Open);
        if (Volatile.Read(ref _abortRequested) != 0 || _loop.Engine.Forwarder.AbortAtOnce)
        {
            CloseBoth(reset: true);
            return;
        }

        // The client's first bytes (held, or in the kernel behind an edge seen while connecting); a FIN seen with an
        // edge raises no new one, so then read to the end.
        const uint Closed = LibC.EPOLLRDHUP | LibC.EPOLLHUP | LibC.EPOLLERR;
        if (_up.Count > 0 || _clientEvents != 0)
        {
            Pump(upstream: true, untilEmpty: (_clientEvents & Closed) != 0);
        }

        if (_state == Open && (events & (LibC.EPOLLIN | Closed)) != 0)
        {
            Pump(upstream: false, untilEmpty: (events & Closed) != 0); // a server that speaks first
        }
    }
}
