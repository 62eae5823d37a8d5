using System.Net.Sockets;
using System.Runtime.InteropServices;
using VirtualIp.Balancing.Interop;

namespace VirtualIp.Balancing.Forwarding.Epoll;

/// <summary>Accepting on the loop's listener: accept4 until EAGAIN, then admission and the connection's start.</summary>
internal sealed unsafe partial class EpollLoop
{
    private static readonly TimeSpan s_acceptBackoff = TimeSpan.FromMilliseconds(50);
    private ITimer? _retryTimer;

    private void AcceptAll()
    {
        byte* address = stackalloc byte[SockAddr.MaxSize];
        while (true)
        {
            int length = SockAddr.MaxSize;
            int fd = LibC.Accept4(_listener, address, &length, LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC);
            if (fd < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                switch (errno)
                {
                    case Errno.EAGAIN:
                        return;
                    case Errno.EINTR or Errno.ECONNABORTED or Errno.ECONNRESET:
                        continue; // the client gave up before accept: keep serving
                    case Errno.EMFILE or Errno.ENFILE or Errno.ENOBUFS or Errno.ENOMEM:
                        // Out of descriptors or buffers: back off briefly instead of spinning, then accept again.
                        _core.Metrics.LocalError(Errno.ToSocketError(errno));
                        _core.Metrics.Refused(RefusalReasons.LocalError);
                        ScheduleRetry();
                        return;
                    default:
                        throw new LinuxErrorException("accept4", errno, "The listener is unusable (closed under the loop?).");
                }
            }

            if (_engine.AfterAccept is { } hook)
            {
                try
                {
                    hook(fd);
                }
                catch
                {
                    LibC.Reset(fd);
                    throw;
                }
            }

            Accepted(fd, new ReadOnlySpan<byte>(address, SockAddr.MaxSize));
        }
    }

    private void Accepted(int fd, ReadOnlySpan<byte> address)
    {
        var c = Rent();
        var ip = SockAddr.ReadAddress(address, c.LastAddress, out int port);
        if (ip is null)
        {
            _engine.Forwarder.CountRefusal(null, TcpRefusal.Acl);
            LibC.Reset(fd);
            Return(c);
            return;
        }

        if (_engine.Forwarder.Admit(ip, out int sourceSlot) is not null)
        {
            LibC.Reset(fd);
            Return(c);
            return;
        }

        c.Begin(fd, ip, port, sourceSlot);
        if (!_engine.Forwarder.Track(c, ip, sourceSlot))
        {
            c.Discard();
            return;
        }

        c.Start();
    }

    private void ScheduleRetry()
    {
        _retryTimer?.Dispose();
        _retryTimer = _core.Time.CreateTimer(static o => ((EpollLoop)o!).Post(CommandKind.RetryAccept), this, s_acceptBackoff, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The local errors of socket/connect/epoll_ctl that are this host's (never a backend's).</summary>
    public static bool IsLocal(int errno) => SocketErrorClassifier.IsLocal(Errno.ToSocketError(errno)) || errno == Errno.ENOMEM;

    /// <summary>The <see cref="SocketError"/> of <paramref name="errno"/> (metrics and logs).</summary>
    public static SocketError ToSocketError(int errno) => Errno.ToSocketError(errno);
}
