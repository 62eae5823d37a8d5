namespace VirtualIp.Balancing.Forwarding.Epoll;

/// <summary>
/// Timeouts: the forwarder's sweep (<see cref="TcpConnectionTable"/>, another thread) compares the activity stamp with
/// the first-byte, connect, idle and half-close limits and flags the connection; the loop acts on the flag
/// (<see cref="OnCheck"/>): a connect timeout fails over to the next backend, anything else resets.
/// </summary>
internal sealed partial class EpollConnection
{
    public bool CheckTimeouts(long now)
    {
        if (Volatile.Read(ref _abortRequested) != 0)
        {
            return false;
        }

        int state = Volatile.Read(ref _state);
        int kind;
        TimeSpan limit;
        long since = Volatile.Read(ref _lastActivity);
        switch (state)
        {
            case WaitingFirstByte:
                (kind, limit) = (FirstByteTimeout, _core.Options.TcpFirstByteTimeout);
                break;
            case Connecting:
                (kind, limit, since) = (ConnectTimeout, _core.Options.ConnectTimeout, Volatile.Read(ref _connectStart));
                break;
            case Open when Volatile.Read(ref _fins) > 0:
                (kind, limit) = (HalfCloseTimeout, _core.Options.TcpHalfCloseTimeout);
                break;
            case Open:
                (kind, limit) = (IdleTimeout, _core.Options.TcpIdleTimeout);
                break;
            default:
                return false;
        }

        if (_core.Time.GetElapsedTime(since, now) < limit)
        {
            return false;
        }

        if (Interlocked.CompareExchange(ref _timeout, kind, NoTimeout) == NoTimeout)
        {
            _loop.Post(EpollLoop.CommandKind.Check, this, Generation);
        }

        return kind != ConnectTimeout;
    }

    /// <summary>Acts on the flags other threads set: a connect timeout fails over, anything else resets (loop thread).</summary>
    public void OnCheck()
    {
        if (_state == Free)
        {
            return;
        }

        int timeout = Volatile.Read(ref _timeout);
        if (timeout == ConnectTimeout && _state == Connecting && Volatile.Read(ref _abortRequested) == 0)
        {
            Volatile.Write(ref _timeout, NoTimeout);
            ConnectFailed(errno: 0);
            return;
        }

        if (timeout == ConnectTimeout)
        {
            Volatile.Write(ref _timeout, NoTimeout);
            if (Volatile.Read(ref _abortRequested) == 0)
            {
                return; // connected meanwhile
            }
        }

        ResetAndEnd();
    }
}
