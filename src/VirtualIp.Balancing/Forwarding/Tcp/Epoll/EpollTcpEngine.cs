using System.Net.Sockets;

namespace VirtualIp.Balancing.Forwarding.Epoll;

/// <summary>
/// The Linux TCP engine (<see cref="ForwarderTcpEngine.Epoll"/>): one <see cref="EpollLoop"/> thread per
/// SO_REUSEPORT listener (the forwarder opens <c>clamp(cores, 2, 8)</c>), each accepting with
/// <c>accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)</c> and serving its connections inline: admission through the forwarder
/// (ACL, limits), backend connect with failover, relay. No thread-pool hop, no runtime socket objects, connection
/// state pooled per loop. The listeners stay .NET sockets (bind, FREEBIND, dual mode as for the Sockets engine); the
/// loops only use their descriptors.
/// </summary>
internal sealed class EpollTcpEngine : ITcpEngine
{
    /// <summary>Loops running now (their threads).</summary>
    internal int RunningLoops;

    /// <summary>Loop restarts after failures since start.</summary>
    internal long RestartCount;

    private EpollLoop[] _loops = [];
    private Socket[] _listeners = [];

    public EpollTcpEngine(TcpForwarder forwarder)
    {
        Forwarder = forwarder;
        Core = forwarder.Core;
    }

    public TcpForwarder Forwarder { get; }

    public ForwarderCore Core { get; }

    /// <summary>Loops running now.</summary>
    public int Running => Volatile.Read(ref RunningLoops);

    /// <summary>Restarts after failures since start.</summary>
    public long Restarts => Interlocked.Read(ref RestartCount);

    /// <summary>Test hook: runs on every accepted descriptor inside the loop (throw to inject a loop failure).</summary>
    internal Action<int>? AfterAccept { get; set; }

    /// <summary>Test hook: a non-zero errno makes the backend socket(2) fail with it (inject a local error).</summary>
    internal Func<int>? BackendSocketFault { get; set; }

    public void Start(Socket[] listeners, int loops)
    {
        _listeners = listeners;
        var list = new List<EpollLoop>(listeners.Length);
        try
        {
            for (int i = 0; i < listeners.Length; i++)
            {
                listeners[i].Blocking = false;
                list.Add(new EpollLoop(this, i, (int)listeners[i].Handle));
            }
        }
        catch
        {
            foreach (var l in list)
            {
                l.CloseUnstarted();
            }

            throw;
        }

        _loops = [.. list];
        foreach (var l in _loops)
        {
            l.Start();
        }
    }

    public async Task StopAcceptingAsync()
    {
        foreach (var l in _loops)
        {
            l.Post(EpollLoop.CommandKind.StopAccepting);
        }

        foreach (var l in _loops)
        {
            await l.AcceptStopped.ConfigureAwait(false);
        }

        foreach (var s in _listeners)
        {
            s.Dispose();
        }
    }

    public void Release()
    {
        foreach (var l in _loops)
        {
            l.Post(EpollLoop.CommandKind.Quit);
        }
    }
}
