using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Connects a client to a backend: picks (client address as the hash key), connects with a timeout, fails over to the
/// next backend. A backend's refusal or timeout counts against its passive health; a local resource error (out of
/// descriptors, ports or buffers, see <see cref="SocketErrorClassifier"/>) does not (it is counted in
/// <c>virtualip.forwarder.local_errors</c> by <see cref="PassiveHealth.RecordFailure(Backend, SocketError)"/>), and
/// stops the attempt at once: another backend would fail the same way.
/// </summary>
internal sealed class TcpBackendConnector
{
    private readonly ForwarderCore _core;
    private readonly CancellationToken _stopping;
    private readonly ConcurrentQueue<CancellationTokenSource> _ctsPool = new();

    public TcpBackendConnector(ForwarderCore core, CancellationToken stopping)
    {
        _core = core;
        _stopping = stopping;
    }

    /// <summary>Test hook: creates the backend socket (may throw to inject a local error).</summary>
    internal Func<AddressFamily, Socket>? SocketFactory { get; set; }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(Backend? Backend, Socket? Socket, TcpRefusal Refusal)> ConnectAsync(IPAddress client)
    {
        Backend?[]? tried = null;
        int attempts = _core.Options.MaxConnectAttempts;
        for (int attempt = 0; attempt < attempts; attempt++)
        {
            var backend = _core.Pick(client, tried);
            if (backend is null)
            {
                return (null, null, TcpRefusal.NoBackend);
            }

            Socket socket;
            try
            {
                socket = SocketFactory?.Invoke(backend.EndPoint.AddressFamily) ?? new Socket(backend.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                socket.NoDelay = true;
            }
            catch (SocketException ex)
            {
                // socket(2) itself failed: EMFILE/ENFILE/ENOBUFS are ours, never the backend's.
                _core.Metrics.LocalError(ex.SocketErrorCode);
                TcpForwarderLog.LocalResources(_core.Logger, _core.Options.Name, backend.Name, ex.SocketErrorCode.ToString());
                return (null, null, TcpRefusal.LocalResources);
            }

            // One token for "stopping or timed out". On the system clock the source comes from a pool (reset after use,
            // so a connection costs no source, timer or linked registration list of its own); other clocks get a timer.
            var cts = RentCts();
            var stopReg = _stopping.UnsafeRegister(static o => ((CancellationTokenSource)o!).Cancel(), cts);
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
                return (backend, socket, default);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                if (_stopping.IsCancellationRequested)
                {
                    return (null, null, TcpRefusal.Stopping);
                }

                if (ex is SocketException local && SocketErrorClassifier.IsLocal(local.SocketErrorCode))
                {
                    _core.Health.RecordFailure(backend, local.SocketErrorCode); // counted and logged as ours, not the backend's
                    return (null, null, TcpRefusal.LocalResources);
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
                ReturnCts(cts, pooled: timer is null);
            }
        }

        return (null, null, TcpRefusal.NoBackend);
    }

    private CancellationTokenSource RentCts() =>
        ReferenceEquals(_core.Time, TimeProvider.System) && _ctsPool.TryDequeue(out var cts) ? cts : new CancellationTokenSource();

    private void ReturnCts(CancellationTokenSource cts, bool pooled)
    {
        // TryReset stops the CancelAfter timer and fails when the source already fired; fired sources are not reused.
        if (pooled && _ctsPool.Count < 256 && cts.TryReset())
        {
            _ctsPool.Enqueue(cts);
        }
        else
        {
            cts.Dispose();
        }
    }
}
