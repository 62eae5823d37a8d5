using System.Buffers;
using System.Net;
using System.Net.Sockets;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// UDP forwarder with per-client affinity: the first datagram of a client address opens a session (a connected socket
/// to the picked backend, <see cref="UdpSessionOpener"/>); later datagrams of that address use it, and the backend's
/// replies go back from the listen socket (<see cref="UdpReplyLoop"/>). Sessions are capped globally
/// (<see cref="ForwarderOptions.MaxConnections"/>) and per source IP (<see cref="ForwarderUdpOptions"/>), hold no
/// buffer of their own, and end after <see cref="ForwarderOptions.UdpIdleTimeout"/> without traffic (swept by a
/// <see cref="TimeProvider"/> timer). The receive loop is supervised (<see cref="UdpReceiveLoop"/>). Datagrams of
/// known clients are relayed without allocating.
/// </summary>
internal sealed class UdpForwarder : IForwarder
{
    private readonly ForwarderCore _core;
    private readonly UdpLimits _limits;
    private readonly UdpSessionTable _table;
    private readonly UdpSessionOpener _opener;
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private UdpReceiveLoop? _loop;
    private ITimer? _sweeper;
    private Task _receiveLoop = Task.CompletedTask;
    private int _stopped;
    private byte[]? _spareReplyBuffer;
    private long _refusedAcl, _refusedSessionLimit, _refusedSourceLimit, _refusedRate, _refusedNoBackend, _refusedLocal;

    public UdpForwarder(ForwarderCore core)
    {
        _core = core;
        _limits = UdpLimits.From(core.Options);
        _table = new UdpSessionTable(_limits, core.Time);
        _opener = new UdpSessionOpener(this, _table);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)(_listener?.LocalEndPoint ?? throw new InvalidOperationException("The forwarder is not started."));

    /// <summary>Sessions open now.</summary>
    public int ActiveConnections => _table.Count;

    public IBackendScheduler Scheduler => _core.Scheduler;

    internal ForwarderCore Core => _core;

    /// <summary>Source IPs the table tracks now (at most <see cref="ForwarderOptions.MaxConnections"/>).</summary>
    internal int TrackedSources => _table.SourceCount;

    /// <summary>Receive-loop restarts so far.</summary>
    internal long LoopRestarts => _loop?.Restarts ?? 0;

    /// <summary>Test hooks: run before each datagram (throw to fail the receive loop); the session socket factory.</summary>
    internal Action? BeforeDatagram
    {
        set => (_loop ?? throw new InvalidOperationException("Not started.")).BeforeDatagram = value;
    }

    internal Func<AddressFamily, Socket> SessionSocketFactory
    {
        set => _opener.SocketFactory = value;
    }

    internal long Denied;
    internal long Rejected;

    public void Start()
    {
        var ep = _core.Listen;
        var s = new Socket(ep.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (ep.AddressFamily == AddressFamily.InterNetworkV6 && ep.Address.Equals(IPAddress.IPv6Any))
            {
                s.DualMode = true;
            }

            ListenerSockets.Prepare(s, ep, _core.Options);
            s.Bind(ep);
        }
        catch
        {
            s.Dispose();
            throw;
        }

        _listener = s;
        var idle = _limits.IdleTimeout;
        var period = TimeSpan.FromTicks(Math.Max(idle.Ticks / 4, TimeSpan.TicksPerMillisecond * 10));
        _sweeper = _core.Time.CreateTimer(static o => ((UdpForwarder)o!).Sweep(), this, period, period);
        ForwarderLog.Listening(_core.Logger, _core.Options.Name, ForwarderProtocol.Udp, s.LocalEndPoint!, _core.Scheduler.Backends.Count, _core.Scheduler.Name);
        _loop = new UdpReceiveLoop(this, s);
        _receiveLoop = _loop.RunAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _sweeper?.Dispose();
        _listener?.Dispose();
        await _receiveLoop.ConfigureAwait(false);
        var all = _table.RemoveAll();
        ForwarderLog.Stopping(_core.Logger, _core.Options.Name, all.Length, TimeSpan.Zero);
        foreach (var s in all)
        {
            Closed(s);
        }
    }

    public Task<bool> DrainBackendAsync(Backend backend, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        // Datagram sessions have no end of their own but idle expiry: stop new sessions, close the current ones.
        ArgumentNullException.ThrowIfNull(backend);
        backend.IsDraining = true;
        ForwarderLog.DrainingBackend(_core.Logger, backend.Name, backend.InFlight);
        var closing = _table.RemoveForBackend(backend);
        foreach (var s in closing)
        {
            Closed(s);
        }

        return Task.FromResult(closing.Count == 0);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _core.Dispose();
    }

    /// <summary>Ends sessions idle for the timeout (called by the timer; tests may call it after advancing time).</summary>
    internal void Sweep()
    {
        if (_table.RemoveIdle() is { } expired)
        {
            foreach (var s in expired)
            {
                Closed(s);
            }
        }
    }

    /// <summary>
    /// A 64 KiB buffer for relaying replies (<see cref="UdpReplyLoop"/>): the forwarder's one spare when free, else one
    /// from the shared pool. The spare makes the steady state allocation-free on any thread: the shared pool caches per
    /// thread, so a relay continuation landing on a thread-pool thread that never rented would allocate a new array.
    /// </summary>
    internal byte[] RentReplyBuffer() =>
        Interlocked.Exchange(ref _spareReplyBuffer, null) ?? ArrayPool<byte>.Shared.Rent(UdpReplyLoop.MaxDatagram);

    /// <summary>Gives back a buffer of <see cref="RentReplyBuffer"/>: it becomes the spare when there is none, else goes to the pool.</summary>
    internal void ReturnReplyBuffer(byte[] buffer)
    {
        if (Interlocked.CompareExchange(ref _spareReplyBuffer, buffer, null) is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Refusals so far for one <see cref="RefusalReasons"/> value.</summary>
    internal long RefusedCount(string reason) => Interlocked.Read(ref RefusalCounter(reason));

    internal void CountRefusal(string reason) => Interlocked.Increment(ref RefusalCounter(reason));

    /// <summary>One client datagram (from the receive loop): to its session's backend, opening the session if needed.</summary>
    internal void OnDatagram(SocketAddress from, ReadOnlySpan<byte> datagram)
    {
        if (!_table.TryGet(from, out var session))
        {
            session = _opener.TryOpen(_listener!, from);
            if (session is null)
            {
                return;
            }
        }

        session.Touch();
        SocketError error;
        try
        {
            session.Socket.Send(datagram, SocketFlags.None, out error);
        }
        catch (ObjectDisposedException)
        {
            return; // the session ended meanwhile (idle, drain): the datagram is lost, the next one opens a new session
        }

        if (error == SocketError.Success)
        {
            _core.Metrics.BytesReceived(session.Backend, datagram.Length);
        }
        else if (!SocketErrorClassifier.IsLocal(error))
        {
            EndSession(session, error); // ICMP unreachable reported on the connected socket: the backend's failure
        }
        else
        {
            _core.Health.RecordFailure(session.Backend, error); // counted as local, the datagram is dropped
        }
    }

    /// <summary>
    /// Ends <paramref name="session"/>; <paramref name="error"/> (when not null) is why, counted against the backend
    /// unless it is a local error (<see cref="SocketErrorClassifier"/>).
    /// </summary>
    internal void EndSession(UdpSession session, SocketError? error)
    {
        _table.Remove(session);
        if (!Closed(session) || error is not { } e)
        {
            return;
        }

        if (_core.Health.RecordFailure(session.Backend, e))
        {
            _core.Metrics.ConnectFailed(session.Backend);
        }
    }

    /// <summary>A reply loop failed unexpectedly: logged, the session ends (not counted against the backend).</summary>
    internal void ReplyLoopFailed(UdpSession session, Exception exception)
    {
        ForwarderLog.UdpReplyLoopFailed(_core.Logger, _core.Options.Name, session.Backend.Name, exception);
        EndSession(session, null);
    }

    private bool Closed(UdpSession session)
    {
        if (!session.TryClose())
        {
            return false;
        }

        session.Backend.DecrementInFlight();
        _core.Metrics.Disconnected(session.Backend, _core.Time.GetElapsedTime(session.Started));
        return true;
    }

    private ref long RefusalCounter(string reason)
    {
        switch (reason)
        {
            case RefusalReasons.Acl: return ref _refusedAcl;
            case RefusalReasons.SessionLimit: return ref _refusedSessionLimit;
            case RefusalReasons.SourceSessionLimit: return ref _refusedSourceLimit;
            case RefusalReasons.RateLimit: return ref _refusedRate;
            case RefusalReasons.NoBackend: return ref _refusedNoBackend;
            default: return ref _refusedLocal;
        }
    }
}
