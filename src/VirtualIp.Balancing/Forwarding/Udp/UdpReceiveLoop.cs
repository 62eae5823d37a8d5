using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Reads client datagrams on the listen socket into one pinned buffer and hands each to the forwarder. Supervised: an
/// unexpected exception is logged, counted (<c>virtualip.forwarder.loop_restarts</c>, loop = receive) and the loop
/// restarts after a back-off (50 ms doubling to 5 s, back to 50 ms after 30 s without a failure; all on the
/// <see cref="TimeProvider"/>). Only stopping ends it.
/// </summary>
internal sealed class UdpReceiveLoop
{
    private static readonly TimeSpan s_minBackoff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_backoffReset = TimeSpan.FromSeconds(30);

    private readonly UdpForwarder _owner;
    private readonly Socket _listener;
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(UdpReplyLoop.MaxDatagram, pinned: true);
    private readonly SocketAddress _from;

    public UdpReceiveLoop(UdpForwarder owner, Socket listener)
    {
        _owner = owner;
        _listener = listener;
        _from = new SocketAddress(listener.AddressFamily);
    }

    /// <summary>Test hook: called for every datagram before it is handled; an exception it throws fails the loop.</summary>
    public Action? BeforeDatagram { get; set; }

    /// <summary>Restarts so far.</summary>
    public long Restarts => Interlocked.Read(ref _restarts);

    private long _restarts;

    public async Task RunAsync(CancellationToken ct)
    {
        await Task.Yield();
        var time = _owner.Core.Time;
        var backoff = s_minBackoff;
        long lastFailure = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await ReceiveAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                long now = time.GetTimestamp();
                if (lastFailure != 0 && time.GetElapsedTime(lastFailure, now) >= s_backoffReset)
                {
                    backoff = s_minBackoff;
                }

                lastFailure = now;
                Interlocked.Increment(ref _restarts);
                _owner.Core.Metrics.LoopRestarted("receive");
                ForwarderLog.UdpReceiveLoopFailed(_owner.Core.Logger, _owner.Core.Options.Name, backoff, ex);
                try
                {
                    await Task.Delay(backoff, time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, s_maxBackoff.Ticks));
            }
            catch (Exception)
            {
                return; // stopping
            }
        }
    }

    private async Task ReceiveAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _listener.ReceiveFromAsync(_buffer, SocketFlags.None, _from, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue; // ICMP from an earlier reply, or an oversized datagram: not fatal for the listener
            }

            BeforeDatagram?.Invoke();
            _owner.OnDatagram(_from, _buffer.AsSpan(0, n));
        }
    }
}
