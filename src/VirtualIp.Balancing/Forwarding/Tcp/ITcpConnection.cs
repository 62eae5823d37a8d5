using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// What <see cref="TcpConnectionTable"/> and <see cref="TcpForwarder"/> need of a connection, whichever engine runs it
/// (<see cref="TcpConnection"/> on .NET sockets, <see cref="Epoll.EpollConnection"/> on the epoll engine).
/// </summary>
internal interface ITcpConnection
{
    /// <summary>The slot in <see cref="TcpConnectionTable"/>, -1 when not in it.</summary>
    int Slot { get; set; }

    /// <summary>The backend, once connected.</summary>
    Backend? Backend { get; }

    /// <summary>True until the client's first byte arrived (with <see cref="ForwarderOptions.TcpWaitForClientData"/>).</summary>
    bool IsWaitingForFirstByte { get; }

    /// <summary>Resets both sides (RST), once; safe from any thread.</summary>
    void Abort();

    /// <summary>
    /// Resets the connection if it is connected to <paramref name="backend"/> (a drain's deadline), safe from any thread:
    /// an engine that reuses connection objects must not reset the object's next connection if this one ended meanwhile.
    /// </summary>
    void AbortIfBackend(Backend backend);

    /// <summary>Aborts the connection when its current timeout has passed at <paramref name="now"/>; true when it did.</summary>
    bool CheckTimeouts(long now);

    /// <summary>True when TCP_NODELAY is set on the client side and on the backend side (tests).</summary>
    bool HasNoDelay();
}
