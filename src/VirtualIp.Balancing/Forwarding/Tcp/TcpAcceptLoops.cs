using System.Net.Sockets;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Several accept loops (one per SO_REUSEPORT listener on Linux, several on the one listener elsewhere, so
/// per-connection setup on one loop never holds back the next accept), each
/// supervised: an unexpected failure is logged, counted (<c>virtualip.forwarder.loop_restarts</c>, <c>loop</c> = <c>accept</c>) and the loop
/// restarts after a back-off (10 ms doubling to 1 s, through <see cref="TimeProvider"/>). A loop only ends when the
/// forwarder stops. Transient accept errors (client gone before accept, out of descriptors) never end a loop.
/// </summary>
internal sealed class TcpAcceptLoops
{
    private static readonly TimeSpan s_firstBackoff = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(1);
    private readonly ForwarderCore _core;
    private readonly Action<Socket> _onAccepted;
    private readonly CancellationToken _stopping;
    private int _running;
    private long _restarts;

    public TcpAcceptLoops(ForwarderCore core, Action<Socket> onAccepted, CancellationToken stopping)
    {
        _core = core;
        _onAccepted = onAccepted;
        _stopping = stopping;
    }

    /// <summary>Loops running now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Restarts after failures since start.</summary>
    public long Restarts => Interlocked.Read(ref _restarts);

    /// <summary>Test hook: runs on every accepted socket inside the loop (throw to inject a loop failure).</summary>
    internal Action<Socket>? AfterAccept { get; set; }

    /// <summary>Starts <paramref name="loopsPerListener"/> supervised loops on each listener.</summary>
    public Task StartAsync(IReadOnlyList<Socket> listeners, int loopsPerListener) =>
        Task.WhenAll(Enumerable.Range(0, listeners.Count * loopsPerListener).Select(i => SuperviseAsync(listeners[i / loopsPerListener], i)));

    private async Task SuperviseAsync(Socket listener, int index)
    {
        await Task.Yield();
        var backoff = s_firstBackoff;
        Interlocked.Increment(ref _running);
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    await AcceptLoopAsync(listener).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (!_stopping.IsCancellationRequested)
                {
                    long n = Interlocked.Increment(ref _restarts);
                    _core.Metrics.LoopRestarted("accept");
                    TcpForwarderLog.AcceptLoopRestarting(_core.Logger, _core.Options.Name, index, n, backoff, ex);
                    try
                    {
                        await Task.Delay(backoff, _core.Time, _stopping).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    backoff = backoff * 2 > s_maxBackoff ? s_maxBackoff : backoff * 2;
                }
                catch (Exception)
                {
                    return; // stopping: the listener was closed under the loop
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                continue; // the client gave up before accept: keep serving
            }
            catch (SocketException ex) when (SocketErrorClassifier.IsLocal(ex.SocketErrorCode))
            {
                // Out of descriptors or buffers: back off briefly instead of spinning, then keep serving.
                _core.Metrics.LocalError(ex.SocketErrorCode);
                _core.Metrics.Refused(RefusalReasons.LocalError);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), _core.Time, _stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            try
            {
                AfterAccept?.Invoke(client);
            }
            catch
            {
                ForwarderCore.Abort(client);
                throw;
            }

            _onAccepted(client);
        }
    }
}
