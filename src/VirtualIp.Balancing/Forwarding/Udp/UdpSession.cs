using System.Net;
using System.Net.Sockets;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// One client address bound to one backend: a connected, non-blocking socket to the backend and nothing else (no
/// buffer: replies are read into a pooled buffer only while they are being relayed, see <see cref="UdpReplyLoop"/>).
/// </summary>
internal sealed class UdpSession
{
    private readonly TimeProvider _time;
    private long _lastActivity;
    private int _closed;

    public UdpSession(SocketAddress clientAddress, UdpSourceKey source, Backend backend, Socket socket, TimeProvider time)
    {
        _time = time;
        ClientAddress = clientAddress;
        Source = source;
        Backend = backend;
        Socket = socket;
        Started = time.GetTimestamp();
        _lastActivity = Started;
    }

    /// <summary>The client's address (the table key); replies go there from the listen socket.</summary>
    public SocketAddress ClientAddress { get; }

    /// <summary>The client's source IP (what the per-source limits count).</summary>
    public UdpSourceKey Source { get; }

    public Backend Backend { get; }

    /// <summary>Connected to <see cref="Backend"/>, non-blocking.</summary>
    public Socket Socket { get; }

    public long Started { get; }

    public long LastActivity => Volatile.Read(ref _lastActivity);

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public void Touch() => Volatile.Write(ref _lastActivity, _time.GetTimestamp());

    /// <summary>Closes the socket; true only for the first call (the caller then accounts for the session's end).</summary>
    public bool TryClose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return false;
        }

        Socket.Dispose();
        return true;
    }
}
