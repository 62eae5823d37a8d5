using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// TCP forwarder: accepts clients, applies the ACL and the connection limit, picks a backend (client address as the
/// hash key), connects with a timeout and fails over to the next backend, then pumps both directions with pooled
/// buffers until both sides have closed, propagating half-close (FIN) each way. A reset on either side resets both.
/// </summary>
internal sealed class TcpForwarder : IForwarder
{
    private readonly ForwarderCore _core;
    private readonly ConcurrentDictionary<TcpConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private Socket? _listener;
    private Task _acceptLoops = Task.CompletedTask;
    private int _active;
    private TaskCompletionSource? _idle;
    private int _stopped;
    private volatile bool _noDrain;

    public TcpForwarder(ForwarderCore core)
    {
        _core = core;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)(_listener?.LocalEndPoint ?? throw new InvalidOperationException("The forwarder is not started."));

    public int ActiveConnections => Volatile.Read(ref _active);

    public IBackendScheduler Scheduler => _core.Scheduler;

    /// <summary>Options, scheduler, health and metrics shared with the connection code.</summary>
    internal ForwarderCore Core => _core;

    internal long Denied;
    internal long Rejected;

    public void Start()
    {
        var ep = _core.Listen;
        var s = new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (ep.AddressFamily == AddressFamily.InterNetworkV6 && ep.Address.Equals(IPAddress.IPv6Any))
            {
                s.DualMode = true;
            }

            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            ListenerSockets.Prepare(s, ep, _core.Options);
            s.Bind(ep);
            s.Listen(_core.Options.Backlog);
        }
        catch
        {
            s.Dispose();
            throw;
        }

        _listener = s;
        ForwarderLog.Listening(_core.Logger, _core.Options.Name, ForwarderProtocol.Tcp, s.LocalEndPoint!, _core.Scheduler.Backends.Count, _core.Scheduler.Name);
        // Several accepts stay pending so that per-connection setup on one loop does not hold back the next accept.
        int loops = Math.Clamp(Environment.ProcessorCount, 2, 8);
        _acceptLoops = Task.WhenAll(Enumerable.Range(0, loops).Select(_ => AcceptLoopAsync(s)));
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        await _acceptLoops.ConfigureAwait(false);

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
        int left = 0;
        foreach (var c in _connections.Keys)
        {
            c.Abort();
            left++;
        }

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
            foreach (var c in _connections.Keys)
            {
                if (ReferenceEquals(c.Backend, backend))
                {
                    c.Abort();
                }
            }
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

    private TaskCompletionSource? _connectionEnded;

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

    private async Task AcceptLoopAsync(Socket listener)
    {
        await Task.Yield();
        var ct = _stopping.Token;
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                // The client gave up before accept: keep serving.
                continue;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                // Out of descriptors: back off briefly instead of spinning, then keep serving.
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), _core.Time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }
            catch (SocketException ex)
            {
                ForwarderLog.AcceptFailed(_core.Logger, _core.Options.Name, ex);
                break;
            }

            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(Socket client)
    {
        var remote = client.RemoteEndPoint as IPEndPoint;
        if (remote is null || !_core.Acl.IsAllowed(remote.Address))
        {
            Interlocked.Increment(ref Denied);
            _core.Metrics.Denied();
            if (remote is not null)
            {
                ForwarderLog.Denied(_core.Logger, remote.Address);
            }

            ForwarderCore.Abort(client);
            return;
        }

        if (Interlocked.Increment(ref _active) > _core.Options.MaxConnections)
        {
            Interlocked.Increment(ref Rejected);
            _core.Metrics.Rejected("limit");
            ForwarderLog.LimitReached(_core.Logger, _core.Options.MaxConnections);
            ForwarderCore.Abort(client);
            ConnectionGone();
            return;
        }

        try
        {
            client.NoDelay = true;
            var (backend, server) = await ConnectAsync(remote.Address).ConfigureAwait(false);
            if (backend is null || server is null)
            {
                Interlocked.Increment(ref Rejected);
                _core.Metrics.Rejected("no_backend");
                ForwarderLog.NoBackend(_core.Logger, remote);
                ForwarderCore.Abort(client);
                return;
            }

            var conn = new TcpConnection(client, server, backend, _core);
            _connections.TryAdd(conn, 0);
            backend.IncrementInFlight();
            _core.Metrics.Connected(backend);
            long start = _core.Time.GetTimestamp();
            try
            {
                if (_stopping.IsCancellationRequested && (_noDrain || _core.Options.DrainTimeout <= TimeSpan.Zero))
                {
                    conn.Abort();
                }

                await conn.RunAsync().ConfigureAwait(false);
            }
            finally
            {
                _connections.TryRemove(conn, out _);
                backend.DecrementInFlight();
                _core.Metrics.Disconnected(backend, _core.Time.GetElapsedTime(start));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            ForwarderCore.Abort(client);
        }
        finally
        {
            ConnectionGone();
        }
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

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(Backend? Backend, Socket? Socket)> ConnectAsync(IPAddress client)
    {
        Backend?[]? tried = null;
        int attempts = _core.Options.MaxConnectAttempts;
        for (int attempt = 0; attempt < attempts; attempt++)
        {
            var backend = _core.Pick(client, tried);
            if (backend is null)
            {
                return (null, null);
            }

            var socket = new Socket(backend.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            // One token for "stopping or timed out". On the system clock the source comes from a pool (reset after use,
            // so a connection costs no source, timer or linked registration list of its own); other clocks get a timer.
            var cts = RentConnectCts();
            var stopReg = _stopping.Token.UnsafeRegister(static o => ((CancellationTokenSource)o!).Cancel(), cts);
            using var timer = ReferenceEquals(_core.Time, TimeProvider.System)
                ? null
                : _core.Time.CreateTimer(static o => ((CancellationTokenSource)o!).Cancel(), cts, _core.Options.ConnectTimeout, Timeout.InfiniteTimeSpan);
            if (timer is null)
            {
                cts.CancelAfter(_core.Options.ConnectTimeout);
            }

            try
            {
                await socket.ConnectAsync(backend.EndPoint, cts.Token).ConfigureAwait(false);
                _core.Health.RecordSuccess(backend);
                return (backend, socket);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                if (_stopping.IsCancellationRequested)
                {
                    return (null, null);
                }

                _core.Metrics.ConnectFailed(backend);
                ForwarderLog.ConnectFailed(_core.Logger, backend.Name, ex is SocketException se ? se.SocketErrorCode.ToString() : "timeout");
                _core.Health.RecordFailure(backend);
                tried ??= new Backend?[attempts];
                tried[attempt] = backend;
            }
            finally
            {
                await stopReg.DisposeAsync().ConfigureAwait(false);
                ReturnConnectCts(cts, pooled: timer is null);
            }
        }

        return (null, null);
    }

    private readonly ConcurrentQueue<CancellationTokenSource> _connectCts = new();

    private CancellationTokenSource RentConnectCts() =>
        ReferenceEquals(_core.Time, TimeProvider.System) && _connectCts.TryDequeue(out var cts) ? cts : new CancellationTokenSource();

    private void ReturnConnectCts(CancellationTokenSource cts, bool pooled)
    {
        // TryReset stops the CancelAfter timer and fails when the source already fired; fired sources are not reused.
        if (pooled && _connectCts.Count < 256 && cts.TryReset())
        {
            _connectCts.Enqueue(cts);
        }
        else
        {
            cts.Dispose();
        }
    }

    /// <summary>One client connection relayed to one backend connection.</summary>
    private sealed class TcpConnection
    {
        private readonly Socket _client;
        private readonly Socket _server;
        private readonly ForwarderCore _core;
        private int _aborted;

        public TcpConnection(Socket client, Socket server, Backend backend, ForwarderCore core)
        {
            _client = client;
            _server = server;
            Backend = backend;
            _core = core;
        }

        public Backend Backend { get; }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask RunAsync()
        {
            var up = PumpAsync(_client, _server, upstream: true);
            var down = PumpAsync(_server, _client, upstream: false);
            await up.ConfigureAwait(false);
            await down.ConfigureAwait(false);
            _client.Dispose();
            _server.Dispose();
        }

        public void Abort()
        {
            if (Interlocked.Exchange(ref _aborted, 1) == 0)
            {
                ForwarderCore.Abort(_client);
                ForwarderCore.Abort(_server);
            }
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask PumpAsync(Socket from, Socket to, bool upstream)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(_core.Options.BufferSize);
            try
            {
                var memory = buffer.AsMemory(0, _core.Options.BufferSize);
                while (true)
                {
                    int n = await from.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
                    if (n == 0)
                    {
                        // Half-close: the peer finished sending; tell the other side, keep the reverse direction open.
                        to.Shutdown(SocketShutdown.Send);
                        return;
                    }

                    await to.SendAsync(memory[..n], SocketFlags.None).ConfigureAwait(false);
                    if (upstream)
                    {
                        _core.Metrics.BytesReceived(Backend, n);
                    }
                    else
                    {
                        _core.Metrics.BytesSent(Backend, n);
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                Abort();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
