using System.Net.Sockets;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// What moves a <see cref="TcpForwarder"/>'s bytes: accepts on its listeners, admits through the forwarder, connects
/// backends and relays. <see cref="SocketsTcpEngine"/> (.NET sockets, any OS) or <see cref="Epoll.EpollTcpEngine"/>
/// (Linux); chosen by <see cref="ForwarderOptions.TcpEngine"/>.
/// </summary>
internal interface ITcpEngine
{
    /// <summary>Starts serving <paramref name="listeners"/> with <paramref name="loops"/> accept loops in all.</summary>
    void Start(Socket[] listeners, int loops);

    /// <summary>Called once the forwarder is stopping: stops accepting, closes the listeners; completes when no accept runs.</summary>
    Task StopAcceptingAsync();

    /// <summary>Called after the last connection ended (or was aborted): releases the engine's threads and handles.</summary>
    void Release();
}
