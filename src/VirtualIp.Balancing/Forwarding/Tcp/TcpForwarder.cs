using System.Net;
using System.Net.Sockets;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// TCP forwarder: listens, runs supervised accept loops (<see cref="TcpAcceptLoops"/>), admits clients (source ACL,
/// global limit, per-source limit and rate, <see cref="SourceLimiter"/>), and hands each to a
/// <see cref="TcpConnection"/> kept in a <see cref="TcpConnectionTable"/> that enforces the timeouts. Every refusal is
/// counted by reason (<c>virtualip.forwarder.refused</c>). Stop and backend drain close what remains after a timeout.
/// </summary>
internal sealed class TcpForwarder : IForwarder
{
    private readonly ForwarderCore _core;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private readonly long[] _refusals = new long[Enum.GetValues<TcpRefusal>().Length];
    private readonly TcpConnectionTable _table;
    private readonly ITcpEngine _engine;
    private readonly Func<bool> _abortAtOnce;
    private Socket[] _listeners = [];
    private int _active;
    private TaskCompletionSource? _idle;
    private TaskCompletionSource? _connectionEnded;
    private int _stopped;
    private volatile bool _noDrain;

    public TcpForwarder(ForwarderCore core)
    {
        _core = core;
        var o = core.Options;
        _table = new TcpConnectionTable(o.MaxConnections, o, core.Time);
        Sources = new SourceLimiter(o.TcpMaxConnectionsPerSource, o.TcpConnectionRatePerSource, o.TcpConnectionRateBurstPerSource, o.MaxConnections, core.Time);
        _abortAtOnce = () => _stopping.IsCancellationRequested && (_noDrain || _core.Options.DrainTimeout <= TimeSpan.Zero);
        Engine = ResolveEngine(o.TcpEngine);
        _engine = Engine == ForwarderTcpEngine.Epoll ? new Epoll.EpollTcpEngine(this) : new SocketsTcpEngine(this);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)((_listeners.Length > 0 ? _listeners[0].LocalEndPoint : null) ?? throw new InvalidOperationException("The forwarder is not started."));

    /// <summary>The listening sockets (several on Linux, SO_REUSEPORT; one elsewhere).</summary>
    internal IReadOnlyList<Socket> Listeners => _listeners;

    public int ActiveConnections => Volatile.Read(ref _active);

    public IBackendScheduler Scheduler => _core.Scheduler;

    /// <summary>Options, scheduler, health and metrics shared with the connection code.</summary>
    internal ForwarderCore Core => _core;

    /// <summary>Clients denied by the ACL.</summary>
    internal long Denied => Refusals(TcpRefusal.Acl);

    /// <summary>Clients refused for the connection limit or for want of a backend.</summary>
    internal long Rejected => Refusals(TcpRefusal.Limit) + Refusals(TcpRefusal.NoBackend);

    internal SourceLimiter Sources { get; }

    internal TcpConnectionTable Connections => _table;

    /// <summary>The engine running this forwarder (<see cref="ForwarderTcpEngine.Auto"/> resolved).</summary>
    internal ForwarderTcpEngine Engine { get; }

    /// <summary>The Sockets engine's backend connector (tests).</summary>
    internal TcpBackendConnector Connector => (_engine as SocketsTcpEngine)?.Connector ?? throw new InvalidOperationException("Not the Sockets engine.");

    /// <summary>The Sockets engine's accept loops (tests).</summary>
    internal TcpAcceptLoops AcceptLoops => (_engine as SocketsTcpEngine)?.AcceptLoops ?? throw new InvalidOperationException("Not the Sockets engine.");

    /// <summary>The Epoll engine (tests).</summary>
    internal Epoll.EpollTcpEngine EpollEngine => _engine as Epoll.EpollTcpEngine ?? throw new InvalidOperationException("Not the Epoll engine.");

    /// <summary>The environment variable that picks the engine <see cref="ForwarderTcpEngine.Auto"/> stands for (Sockets or Epoll).</summary>
    internal const string EngineVariable = "VIRTUALIP_FORWARDER_TCP_ENGINE";

    /// <summary>
    /// The engine <paramref name="requested"/> means on this OS: Auto is Epoll on Linux (faster on every measure,
    /// docs/benchmarks.md) and Sockets elsewhere, unless <see cref="EngineVariable"/> names one; Epoll needs Linux.
    /// </summary>
    internal static ForwarderTcpEngine ResolveEngine(ForwarderTcpEngine requested)
    {
        if (requested == ForwarderTcpEngine.Auto
            && Enum.TryParse<ForwarderTcpEngine>(Environment.GetEnvironmentVariable(EngineVariable), ignoreCase: true, out var fromEnvironment))
        {
            requested = fromEnvironment;
        }

        if (requested == ForwarderTcpEngine.Auto)
        {
            requested = ForwarderTcpEngine.Epoll;
        }

        return requested == ForwarderTcpEngine.Epoll && OperatingSystem.IsLinux() ? ForwarderTcpEngine.Epoll : ForwarderTcpEngine.Sockets;
    }

    /// <summary>Refusals of <paramref name="reason"/> since start.</summary>
    internal long Refusals(TcpRefusal reason) => Interlocked.Read(ref _refusals[(int)reason]);

    public void Start()
    {
        int loops = Math.Clamp(Environment.ProcessorCount, 2, 8);
        _listeners = TcpListeners.Open(_core.Listen, _core.Options, loops);
        ForwarderLog.Listening(_core.Logger, _core.Options.Name, ForwarderProtocol.Tcp, _listeners[0].LocalEndPoint!, _core.Scheduler.Backends.Count, _core.Scheduler.Name);
        _engine.Start(_listeners, loops);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _engine.StopAcceptingAsync().ConfigureAwait(false);

        // Clients that never sent a byte have not been served yet: close them now rather than drain them.
        _table.ForEach(static (c, _) =>
        {
            if (c.IsWaitingForFirstByte)
            {
                c.Abort();
            }

            return false;
        }, 0);

        Task idle;
        lock (_gate)
        {
            _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_active == 0)
            {
                _idle.TrySetResult();
            }

            idle = _idle.Task;
        }

        var drain = _noDrain ? TimeSpan.Zero : _core.Options.DrainTimeout;
        ForwarderLog.Stopping(_core.Logger, _core.Options.Name, ActiveConnections, drain);
        await WaitOrTimeoutAsync(idle, drain, cancellationToken).ConfigureAwait(false);
        int left = _table.ForEach(static (c, _) =>
        {
            c.Abort();
            return true;
        }, 0);
        _table.Dispose();
        _engine.Release();
        if (left > 0)
        {
            ForwarderLog.DrainTimedOut(_core.Logger, _core.Options.Name, left);
        }
    }

    public async Task<bool> DrainBackendAsync(Backend backend, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        backend.IsDraining = true;
        ForwarderLog.DrainingBackend(_core.Logger, backend.Name, backend.InFlight);
        var done = WaitForBackendAsync(backend, cancellationToken);
        bool clean = await WaitOrTimeoutAsync(done, timeout, cancellationToken).ConfigureAwait(false);
        if (!clean)
        {
            _table.ForEach(static (c, b) =>
            {
                c.AbortIfBackend(b!);
                return false;
            }, backend);
        }

        return clean;
    }

    public async ValueTask DisposeAsync()
    {
        _noDrain = true; // disposing without a prior StopAsync closes connections at once
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _core.Dispose();
    }

    private async Task WaitForBackendAsync(Backend backend, CancellationToken cancellationToken)
    {
        // Connections signal their end; this loop only re-checks when one of this forwarder's connections ends.
        while (backend.InFlight > 0)
        {
            TaskCompletionSource tcs;
            lock (_gate)
            {
                tcs = _connectionEnded ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            if (backend.InFlight == 0)
            {
                break;
            }

            await tcs.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> WaitOrTimeoutAsync(Task task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (task.IsCompleted || timeout <= TimeSpan.Zero)
        {
            return task.IsCompleted;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(timeout, _core.Time, cts.Token);
        var first = await Task.WhenAny(task, delay).ConfigureAwait(false);
        await cts.CancelAsync().ConfigureAwait(false);
        return first == task && task.IsCompletedSuccessfully;
    }

    /// <summary>
    /// Admits a client from <paramref name="address"/>: source ACL, global limit, per-source limit and rate. Null when
    /// admitted (then <see cref="Track"/> it, and <see cref="Finished"/> once it ends); otherwise the refusal, already
    /// counted and logged (the caller closes the client).
    /// </summary>
    internal TcpRefusal? Admit(IPAddress address, out int sourceSlot)
    {
        sourceSlot = SourceLimiter.Untracked;
        if (!_core.Acl.IsAllowed(address))
        {
            return CountRefusal(address, TcpRefusal.Acl);
        }

        if (Interlocked.Increment(ref _active) > _core.Options.MaxConnections)
        {
            ForwarderLog.LimitReached(_core.Logger, _core.Options.MaxConnections);
            CountRefusal(address, TcpRefusal.Limit);
            ConnectionGone();
            return TcpRefusal.Limit;
        }

        if (Sources.TryAcquire(address, out sourceSlot) is TcpRefusal limited)
        {
            CountRefusal(address, limited);
            ConnectionGone();
            return limited;
        }

        return null;
    }

    /// <summary>Puts an admitted connection in the table; false (refused as the limit, counted) when the table is full.</summary>
    internal bool Track(ITcpConnection connection, IPAddress address, int sourceSlot)
    {
        if (_table.TryAdd(connection))
        {
            return true;
        }

        Sources.Release(sourceSlot);
        CountRefusal(address, TcpRefusal.Limit);
        ConnectionGone();
        return false;
    }

    /// <summary>An admitted, tracked connection ended (served or refused later).</summary>
    internal void Finished(ITcpConnection connection, int sourceSlot)
    {
        if (connection.Slot >= 0)
        {
            _table.Remove(connection);
            Sources.Release(sourceSlot);
            ConnectionGone();
        }
    }

    /// <summary>True when the forwarder is stopping without drain (a newly connected client is closed at once).</summary>
    internal bool AbortAtOnce => _abortAtOnce();

    /// <summary>The forwarder's stop signal.</summary>
    internal CancellationToken Stopping => _stopping.Token;

    /// <summary>Counts and logs a refusal (the caller closes the client); returns <paramref name="reason"/>.</summary>
    internal TcpRefusal CountRefusal(IPAddress? address, TcpRefusal reason)
    {
        Interlocked.Increment(ref _refusals[(int)reason]);
        string tag = TcpRefusalNames.Tag(reason);
        _core.Metrics.Refused(tag);
        switch (reason)
        {
            case TcpRefusal.Acl:
                _core.Metrics.Denied();
                if (address is not null)
                {
                    ForwarderLog.Denied(_core.Logger, address);
                }

                break;
            case TcpRefusal.Limit or TcpRefusal.NoBackend:
                _core.Metrics.Rejected(reason == TcpRefusal.Limit ? "limit" : "no_backend"); // error.type values of virtualip.forwarder.rejected
                break;
            default:
                if (address is not null)
                {
                    TcpForwarderLog.Refused(_core.Logger, _core.Options.Name, address, tag);
                }

                break;
        }

        return reason;
    }

    private void ConnectionGone()
    {
        int left = Interlocked.Decrement(ref _active);
        TaskCompletionSource? ended;
        lock (_gate)
        {
            ended = _connectionEnded;
            _connectionEnded = null;
            if (left == 0)
            {
                _idle?.TrySetResult();
            }
        }

        ended?.TrySetResult();
    }
}
