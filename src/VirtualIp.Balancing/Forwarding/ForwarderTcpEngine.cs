namespace VirtualIp.Balancing;

/// <summary>The engine of a TCP forwarder (<see cref="ForwarderOptions.TcpEngine"/>).</summary>
public enum ForwarderTcpEngine
{
    /// <summary>The default: <see cref="Epoll"/> on Linux, <see cref="Sockets"/> elsewhere.</summary>
    Auto,

    /// <summary>.NET sockets: accept loops and async pumps on the runtime's socket engine (any OS).</summary>
    Sockets,

    /// <summary>
    /// Linux only: the forwarder's own epoll event loops, one per listener, doing accept, backend connect and relay
    /// inline on the loop thread with pooled per-connection state (no thread-pool hop, no runtime socket objects).
    /// </summary>
    Epoll,
}
