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
    private readonly TcpBackendConnector _connector;
    private readonly TcpAcceptLoops _acceptLoops;
    private readonly Func<bool> _abortAtOnce;
    private Socket[] _listeners = [];
    private Task _loops = Task.CompletedTask;
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
        _connector = new TcpBackendConnector(core, _stopping.Token);
        _acceptLoops = new TcpAcceptLoops(core, OnAccepted, _stopping.Token);
        Sources = new SourceLimiter(o.TcpMaxConnectionsPerSource, o.TcpConnectionRatePerSource, o.TcpConnectionRateBurstPerSource, o.MaxConnections, core.Time);
        _abortAtOnce = () => _stopping.IsCancellationRequested && (_noDrain || _core.Options.DrainTimeout <= TimeSpan.Zero);
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

    internal TcpBackendConnector Connector => _connector;

    internal TcpAcceptLoops AcceptLoops => _acceptLoops;

    /// <summary>Refusals of <paramref name="reason"/> since start.</summary>
    internal long Refusals(TcpRefusal reason) => Interlocked.Read(ref _refusals[(int)reason]);

    public void Start()
    {
        int loops = Math.Clamp(Environment.ProcessorCount, 2, 8);
        _listeners = TcpListeners.Open(_core.Listen, _core.Options, loops);
        ForwarderLog.Listening(_core.Logger, _core.Options.Name, ForwarderProtocol.Tcp, _listeners[0].LocalEndPoint!, _core.Scheduler.Backends.Count, _core.Scheduler.Name);
        _loops = _acceptLoops.StartAsync(_listeners, loopsPerListener: _listeners.Length == 1 ? loops : 1);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var l in _listeners)
        {
            l.Dispose();
        }
        await _loops.ConfigureAwait(false);

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
                if (ReferenceEquals(c.Backend, b))
                {
                    c.Abort();
                }

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

    private void OnAccepted(Socket client) => _ = HandleAsync(client);

    private async Task HandleAsync(Socket client)
    {
        TcpConnection? conn = null;
        try
        {
            if (client.RemoteEndPoint is not IPEndPoint remote || !_core.Acl.IsAllowed(remote.Address))
            {
                Refuse(client, (client.RemoteEndPoint as IPEndPoint)?.Address, TcpRefusal.Acl);
                return;
            }

            if (Interlocked.Increment(ref _active) > _core.Options.MaxConnections)
            {
                ForwarderLog.LimitReached(_core.Logger, _core.Options.MaxConnections);
                Refuse(client, remote.Address, TcpRefusal.Limit);
                ConnectionGone();
                return;
            }

            if (Sources.TryAcquire(remote.Address, out int sourceSlot) is TcpRefusal limited)
            {
                Refuse(client, remote.Address, limited);
                ConnectionGone();
                return;
            }

            conn = new TcpConnection(_core, client, remote.Address, sourceSlot);
            if (!_table.TryAdd(conn))
            {
                Sources.Release(sourceSlot);
                Refuse(client, remote.Address, TcpRefusal.Limit);
                ConnectionGone();
                return;
            }

            if (!TcpListeners.AcceptedInheritNoDelay)
            {
                client.NoDelay = true;
            }

            if (await conn.RunAsync(_connector, _abortAtOnce).ConfigureAwait(false) is TcpRefusal refused)
            {
                if (refused == TcpRefusal.NoBackend)
                {
                    ForwarderLog.NoBackend(_core.Logger, remote);
                }

                Refuse(client, remote.Address, refused);
            }
        }
        catch (Exception ex)
        {
            // Never let a connection's failure go unobserved (it would end nothing else, but must be seen).
            if (ex is not (SocketException or ObjectDisposedException or OperationCanceledException))
            {
                TcpForwarderLog.HandlerFailed(_core.Logger, _core.Options.Name, ex);
            }

            conn?.Abort();
            ForwarderCore.Abort(client);
        }
        finally
        {
            if (conn is not null && conn.Slot >= 0)
            {
                _table.Remove(conn);
                Sources.Release(conn.SourceSlot);
                ConnectionGone();
            }
        }
    }

    private void Refuse(Socket client, IPAddress? address, TcpRefusal reason)
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

        ForwarderCore.Abort(client);
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
