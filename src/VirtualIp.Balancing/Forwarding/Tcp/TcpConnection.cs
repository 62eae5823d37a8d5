using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// One admitted client: waits for its first byte (when <see cref="ForwarderOptions.TcpWaitForClientData"/>), connects
/// a backend, then pumps both directions until both have closed, propagating half-close (FIN) each way; a reset on
/// either side resets both. Memory is taken only when data arrives: each direction waits with a zero-byte receive,
/// rents a pooled buffer for the bytes that are there and gives it back when a read does not fill it, so an idle
/// connection holds no buffer. Every completed receive or send stamps the activity time that
/// <see cref="TcpConnectionTable"/>'s sweep compares with the first-byte, idle and half-close timeouts.
/// </summary>
internal sealed class TcpConnection : ITcpConnection
{
    private const int WaitingFirstByte = 0;
    private const int Connecting = 1;
    private const int Open = 2;
    private const int NoTimeout = 0;
    private const int FirstByteTimeout = 1;
    private const int IdleTimeout = 2;
    private const int HalfCloseTimeout = 3;

    private readonly ForwarderCore _core;
    private readonly int _bufferSize;
    private Socket? _server;
    private long _lastActivity;
    private int _state;
    private int _fins;
    private int _aborted;
    private int _timeout;

    public TcpConnection(ForwarderCore core, Socket client, IPAddress address, int sourceSlot)
    {
        _core = core;
        _bufferSize = core.Options.BufferSize;
        Client = client;
        Address = address;
        SourceSlot = sourceSlot;
        _lastActivity = core.Time.GetTimestamp();
        _state = core.Options.TcpWaitForClientData ? WaitingFirstByte : Connecting;
    }

    public Socket Client { get; }

    public IPAddress Address { get; }

    /// <summary>The slot in <see cref="SourceLimiter"/> (given back when the connection ends).</summary>
    public int SourceSlot { get; }

    /// <summary>The slot in <see cref="TcpConnectionTable"/>, -1 when not in it.</summary>
    public int Slot { get; set; } = -1;

    /// <summary>The backend socket, once connected.</summary>
    public Socket? Server => Volatile.Read(ref _server);

    /// <summary>The backend, once connected.</summary>
    public Backend? Backend { get; private set; }

    public bool IsWaitingForFirstByte => Volatile.Read(ref _state) == WaitingFirstByte;

    /// <summary>
    /// Serves the client to the end. Returns why it was refused (never reached a backend), or null when it was served.
    /// </summary>
    /// <param name="connector">Connects the backend.</param>
    /// <param name="abortAtOnce">True when the forwarder is stopping without drain (checked once connected).</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<TcpRefusal?> RunAsync(TcpBackendConnector connector, Func<bool> abortAtOnce)
    {
        // The client's first bytes, read before a backend is touched (with TcpWaitForClientData): a zero-byte receive
        // waits for data or EOF without a buffer, then one receive takes what is there (n = 0: the client left). This
        // replaces a FIONREAD ioctl and the pump's first zero-byte receive (two system calls per connection).
        byte[]? first = null;
        int firstCount = 0;
        if (Volatile.Read(ref _state) == WaitingFirstByte)
        {
            try
            {
                await Client.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                first = ArrayPool<byte>.Shared.Rent(_bufferSize);
                firstCount = await Client.ReceiveAsync(first.AsMemory(0, _bufferSize), SocketFlags.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                firstCount = 0;
            }

            if (firstCount == 0)
            {
                if (first is not null)
                {
                    ArrayPool<byte>.Shared.Return(first);
                }

                return Volatile.Read(ref _timeout) == FirstByteTimeout ? TcpRefusal.FirstByteTimeout : TcpRefusal.ClientGone;
            }

            Volatile.Write(ref _state, Connecting);
            Touch();
        }

        var (backend, server, refusal) = await connector.ConnectAsync(Address).ConfigureAwait(false);
        if (backend is null || server is null)
        {
            if (first is not null)
            {
                ArrayPool<byte>.Shared.Return(first); // no backend: the bytes go nowhere
            }

            return refusal;
        }

        Backend = backend;
        Volatile.Write(ref _server, server);
        Touch();
        Volatile.Write(ref _state, Open);
        if (Volatile.Read(ref _aborted) != 0 || abortAtOnce())
        {
            _aborted = 0;
            Abort();
        }

        backend.IncrementInFlight();
        _core.Metrics.Connected(backend);
        long start = _core.Time.GetTimestamp();
        try
        {
            var up = PumpAsync(Client, server, upstream: true, first, firstCount);
            var down = PumpAsync(server, Client, upstream: false, null, 0);
            await up.ConfigureAwait(false);
            await down.ConfigureAwait(false);
            Client.Dispose();
            server.Dispose();
        }
        finally
        {
            backend.DecrementInFlight();
            _core.Metrics.Disconnected(backend, _core.Time.GetElapsedTime(start));
            if (Volatile.Read(ref _timeout) is int t and not NoTimeout)
            {
                string reason = t == IdleTimeout ? "idle" : "half_close";
                _core.Metrics.TimedOut(reason);
                TcpForwarderLog.TimedOut(_core.Logger, _core.Options.Name, Address, reason);
            }
        }

        return null;
    }

    /// <summary>Resets both sides (RST), once.</summary>
    /// <summary>Connection objects are not reused on this engine: the check and the abort cannot straddle two connections.</summary>
    public void AbortIfBackend(Backend backend)
    {
        if (ReferenceEquals(Backend, backend))
        {
            Abort();
        }
    }

    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            ForwarderCore.Abort(Client);
            if (Volatile.Read(ref _server) is { } s)
            {
                ForwarderCore.Abort(s);
            }
        }
    }

    /// <summary>Aborts the connection when its current timeout has passed at <paramref name="now"/>; true when it did.</summary>
    public bool CheckTimeouts(long now)
    {
        if (Volatile.Read(ref _aborted) != 0)
        {
            return false;
        }

        int state = Volatile.Read(ref _state);
        int kind;
        TimeSpan limit;
        if (state == WaitingFirstByte)
        {
            (kind, limit) = (FirstByteTimeout, _core.Options.TcpFirstByteTimeout);
        }
        else if (state == Connecting)
        {
            return false; // the connect timeout governs this phase
        }
        else if (Volatile.Read(ref _fins) > 0)
        {
            (kind, limit) = (HalfCloseTimeout, _core.Options.TcpHalfCloseTimeout);
        }
        else
        {
            (kind, limit) = (IdleTimeout, _core.Options.TcpIdleTimeout);
        }

        if (_core.Time.GetElapsedTime(Volatile.Read(ref _lastActivity), now) < limit)
        {
            return false;
        }

        Interlocked.CompareExchange(ref _timeout, kind, NoTimeout);
        Abort();
        return true;
    }

    public bool HasNoDelay() => Client.NoDelay && (Server?.NoDelay ?? false);

    private void Touch() => Volatile.Write(ref _lastActivity, _core.Time.GetTimestamp());

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PumpAsync(Socket from, Socket to, bool upstream, byte[]? buffer, int pending)
    {
        // buffer/pending: bytes already read from 'from' (the client's first bytes), sent before the loop reads more.
        try
        {
            while (true)
            {
                int n = pending;
                pending = 0;
                if (n == 0)
                {
                    if (buffer is null)
                    {
                        // Idle: wait for data without holding memory.
                        await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                        buffer = ArrayPool<byte>.Shared.Rent(_bufferSize);
                    }

                    n = await from.ReceiveAsync(buffer.AsMemory(0, _bufferSize), SocketFlags.None).ConfigureAwait(false);
                    if (n == 0)
                    {
                        Touch();
                        // Half-close: the peer finished sending; tell the other side, keep the reverse direction open.
                        // When the reverse direction has already ended, both sockets are closed next and the close
                        // sends the FIN: one shutdown(2) fewer per connection.
                        if (Interlocked.Increment(ref _fins) == 1)
                        {
                            to.Shutdown(SocketShutdown.Send);
                        }

                        return;
                    }
                }

                if (buffer is null)
                {
                    return; // unreachable: bytes were read, so there is a buffer
                }

                // One activity stamp per forwarded read, once it is sent (a receive completes and is sent within
                // microseconds, so stamping both was one clock read more per message for the same timeouts).
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None).ConfigureAwait(false);
                Touch();
                if (upstream)
                {
                    _core.Metrics.BytesReceived(Backend!, n);
                }
                else
                {
                    _core.Metrics.BytesSent(Backend!, n);
                }

                if (n < _bufferSize)
                {
                    // A short read drained the socket: give the buffer back until more data arrives.
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Abort();
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
