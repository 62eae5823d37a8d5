using System.Buffers;
using System.Net;
using VirtualIp.Balancing.Interop;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding.Epoll;

/// <summary>
/// One client of the epoll engine, owned by its <see cref="EpollLoop"/>: the client and backend descriptors, the phase
/// (waiting for the first byte, connecting, open), the bytes a peer could not take yet, and the activity stamp the
/// forwarder's sweep compares with the timeouts. Pooled by the loop (reset, never freed, so steady state allocates
/// nothing); <see cref="Generation"/> tells a reused object's events from those of its previous connection. Other
/// threads only set flags (<see cref="Abort"/>, <see cref="CheckTimeouts"/>) and post a check to the loop.
/// </summary>
internal sealed partial class EpollConnection : ITcpConnection
{
    private const int Free = 0;
    private const int WaitingFirstByte = 1;
    private const int Connecting = 2;
    private const int Open = 3;
    private const int NoTimeout = 0;
    private const int FirstByteTimeout = 1;
    private const int IdleTimeout = 2;
    private const int HalfCloseTimeout = 3;
    private const int ConnectTimeout = 4;

    private readonly EpollLoop _loop;
    private readonly ForwarderCore _core;
    private readonly int _index;
    private readonly Backend?[] _tried = new Backend?[16];
    private int _client = -1;
    private int _server = -1;
    private int _port;
    private int _sourceSlot;
    private int _state;
    private int _attempt;
    private int _fins;
    private int _timeout;
    private int _abortRequested;
    private long _lastActivity;
    private long _connectStart;
    private long _servedStart;
    private bool _clientOut;
    private uint _clientEvents;
    private Backend? _backend;
    private Direction _up;
    private Direction _down;

    public EpollConnection(EpollLoop loop, int index)
    {
        _loop = loop;
        _core = loop.Core;
        _index = index;
    }

    /// <summary>Bumped each time the object ends a connection; part of every epoll token.</summary>
    public uint Generation => Volatile.Read(ref _generation);

    private uint _generation;

    /// <summary>The last client address (reused while the next client comes from the same one: no allocation).</summary>
    public IPAddress? LastAddress { get; private set; }

    public int Slot { get; set; } = -1;

    public Backend? Backend => Volatile.Read(ref _backend);

    public bool IsWaitingForFirstByte => Volatile.Read(ref _state) == WaitingFirstByte;

    private ulong ClientToken => ((ulong)Generation << 32) | ((uint)_index << 2);

    private ulong ServerToken => ClientToken | 1;

    /// <summary>Takes an accepted, admitted client (loop thread).</summary>
    public void Begin(int fd, IPAddress address, int port, int sourceSlot)
    {
        _client = fd;
        LastAddress = address;
        _port = port;
        _sourceSlot = sourceSlot;
        _attempt = 0;
        _fins = 0;
        _timeout = NoTimeout;
        _abortRequested = 0;
        _clientOut = false;
        _clientEvents = 0;
        _up = default;
        _down = default;
        _lastActivity = _core.Time.GetTimestamp();
        Volatile.Write(ref _state, _core.Options.TcpWaitForClientData ? WaitingFirstByte : Connecting);
    }

    /// <summary>Drops a client the table had no room for (already counted as refused).</summary>
    public void Discard()
    {
        LibC.Reset(_client);
        _client = -1;
        Release();
    }

    /// <summary>Registers the client and, unless waiting for its first byte, connects a backend.</summary>
    public void Start()
    {
        if (LibC.EpollAdd(_loop.Epoll, _client, LibC.EPOLLIN | LibC.EPOLLRDHUP | LibC.EPOLLET, ClientToken) < 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            _core.Metrics.LocalError(Errno.ToSocketError(errno));
            Refuse(TcpRefusal.LocalResources);
            return;
        }

        if (_state == Connecting)
        {
            Connect();
        }
    }

    /// <summary>Resets both sides (RST), once (any thread: the loop does it).</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _abortRequested, 1) == 0)
        {
            _loop.Post(EpollLoop.CommandKind.Check, this, Generation);
        }
    }

    /// <summary>
    /// Resets the connection if it is connected to <paramref name="backend"/> (any thread). The generation read first goes
    /// with the request and the loop checks both again before resetting, so a connection that ended meanwhile cannot pass
    /// the reset on to the next connection of this pooled object.
    /// </summary>
    public void AbortIfBackend(Backend backend)
    {
        uint generation = Generation;
        if (ReferenceEquals(Backend, backend))
        {
            _loop.Post(EpollLoop.CommandKind.AbortIfBackend, this, generation, backend);
        }
    }

    public bool HasNoDelay() => _client >= 0 && _server >= 0 && NoDelay(_client) && NoDelay(_server);

    /// <summary>Resets both sides and ends the connection (refused when it never reached a backend).</summary>
    public void ResetAndEnd()
    {
        switch (_state)
        {
            case Free:
                return;
            case WaitingFirstByte:
                Refuse(Volatile.Read(ref _timeout) == FirstByteTimeout ? TcpRefusal.FirstByteTimeout : TcpRefusal.ClientGone);
                return;
            case Connecting:
                Refuse(_loop.Engine.Forwarder.Stopping.IsCancellationRequested ? TcpRefusal.Stopping : TcpRefusal.ClientGone);
                return;
            default:
                CloseBoth(reset: true);
                return;
        }
    }

    private void Touch() => Volatile.Write(ref _lastActivity, _core.Time.GetTimestamp());

    /// <summary>Closes the client without serving it: counted as <paramref name="reason"/>.</summary>
    private void Refuse(TcpRefusal reason)
    {
        if (reason == TcpRefusal.NoBackend)
        {
            ForwarderLog.NoBackend(_core.Logger, new IPEndPoint(LastAddress!, _port));
        }

        _loop.Engine.Forwarder.CountRefusal(LastAddress, reason);
        LibC.Reset(_client);
        _client = -1;
        if (_server >= 0)
        {
            LibC.Reset(_server);
            _server = -1;
        }

        End();
    }

    /// <summary>Closes both descriptors after serving (a reset on error or abort) and ends the connection.</summary>
    private void CloseBoth(bool reset)
    {
        foreach (int fd in (ReadOnlySpan<int>)[_client, _server])
        {
            if (fd >= 0)
            {
                if (reset)
                {
                    LibC.Reset(fd);
                }
                else
                {
                    _ = LibC.Close(fd);
                }
            }
        }

        _client = _server = -1;
        var backend = _backend!;
        backend.DecrementInFlight();
        _core.Metrics.Disconnected(backend, _core.Time.GetElapsedTime(_servedStart));
        if (Volatile.Read(ref _timeout) is int t and (IdleTimeout or HalfCloseTimeout))
        {
            string reason = t == IdleTimeout ? "idle" : "half_close";
            _core.Metrics.TimedOut(reason);
            TcpForwarderLog.TimedOut(_core.Logger, _core.Options.Name, LastAddress!, reason);
        }

        End();
    }

    private void End()
    {
        ReturnBuffer(ref _up);
        ReturnBuffer(ref _down);
        _loop.Engine.Forwarder.Finished(this, _sourceSlot);
        Release();
    }

    private void Release()
    {
        Volatile.Write(ref _state, Free);
        Volatile.Write(ref _backend, null);
        Array.Clear(_tried);
        Volatile.Write(ref _generation, _generation + 1);
        _loop.Return(this);
    }

    private static void ReturnBuffer(ref Direction d)
    {
        if (d.Pending is { } b)
        {
            ArrayPool<byte>.Shared.Return(b);
        }

        d = default;
    }

    private static unsafe bool NoDelay(int fd)
    {
        int value = 0;
        int length = sizeof(int);
        return LibC.GetSockOpt(fd, LibC.IPPROTO_TCP, LibC.TCP_NODELAY, &value, &length) == 0 && value != 0;
    }

    /// <summary>One direction of the relay: bytes read but not yet taken by the other side, and its FIN.</summary>
    private struct Direction
    {
        public byte[]? Pending;
        public int Offset;
        public int Count;
        public bool Eof;
        public bool ShutDown;
    }
}
