using System.Buffers;
using System.Net;
using System.Net.Sockets;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// UDP forwarder with per-client affinity: the first datagram of a client address opens a session (a connected socket
/// to the picked backend); later datagrams of that address use it, and the backend's replies go back from the listen
/// socket. A session with no traffic either way for <see cref="ForwarderOptions.UdpIdleTimeout"/> ends (swept by a
/// <see cref="TimeProvider"/> timer). Receiving allocates nothing per datagram for known clients.
/// </summary>
internal sealed class UdpForwarder : IForwarder
{
    private const int MaxDatagram = 65535;

    private readonly ForwarderCore _core;
    private readonly Dictionary<SocketAddress, UdpSession> _sessions = [];
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private IPEndPoint? _template;
    private ITimer? _sweeper;
    private Task _receiveLoop = Task.CompletedTask;
    private int _stopped;

    public UdpForwarder(ForwarderCore core)
    {
        _core = core;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)(_listener?.LocalEndPoint ?? throw new InvalidOperationException("The forwarder is not started."));

    public int ActiveConnections
    {
        get
        {
            lock (_sessions)
            {
                return _sessions.Count;
            }
        }
    }

    public IBackendScheduler Scheduler => _core.Scheduler;

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
        _template = new IPEndPoint(ep.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        var idle = _core.Options.UdpIdleTimeout;
        var period = TimeSpan.FromTicks(Math.Max(idle.Ticks / 4, TimeSpan.TicksPerMillisecond * 10));
        _sweeper = _core.Time.CreateTimer(static o => ((UdpForwarder)o!).Sweep(), this, period, period);
        ForwarderLog.Listening(_core.Logger, _core.Options.Name, ForwarderProtocol.Udp, s.LocalEndPoint!, _core.Scheduler.Backends.Count, _core.Scheduler.Name);
        _receiveLoop = ReceiveLoopAsync(s);
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
        UdpSession[] all;
        lock (_sessions)
        {
            all = [.. _sessions.Values];
            _sessions.Clear();
        }

        ForwarderLog.Stopping(_core.Logger, _core.Options.Name, all.Length, TimeSpan.Zero);
        foreach (var s in all)
        {
            s.Close();
        }
    }

    public Task<bool> DrainBackendAsync(Backend backend, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        // Datagram sessions have no end of their own but idle expiry: stop new sessions, close the current ones.
        ArgumentNullException.ThrowIfNull(backend);
        backend.IsDraining = true;
        ForwarderLog.DrainingBackend(_core.Logger, backend.Name, backend.InFlight);
        List<UdpSession> closing = [];
        lock (_sessions)
        {
            foreach (var (key, s) in _sessions)
            {
                if (ReferenceEquals(s.Backend, backend))
                {
                    closing.Add(s);
                }
            }

            foreach (var s in closing)
            {
                _sessions.Remove(s.ClientAddress);
            }
        }

        foreach (var s in closing)
        {
            s.Close();
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
        long now = _core.Time.GetTimestamp();
        var idle = _core.Options.UdpIdleTimeout;
        List<UdpSession>? expired = null;
        lock (_sessions)
        {
            foreach (var s in _sessions.Values)
            {
                if (_core.Time.GetElapsedTime(s.LastActivity, now) >= idle)
                {
                    (expired ??= []).Add(s);
                }
            }

            if (expired is not null)
            {
                foreach (var s in expired)
                {
                    _sessions.Remove(s.ClientAddress);
                }
            }
        }

        if (expired is not null)
        {
            foreach (var s in expired)
            {
                s.Close();
            }
        }
    }

    private async Task ReceiveLoopAsync(Socket listener)
    {
        await Task.Yield();
        var ct = _stopping.Token;
        var buffer = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        var from = new SocketAddress(listener.AddressFamily);
        while (!ct.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await listener.ReceiveFromAsync(buffer, SocketFlags.None, from, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue; // ICMP from an earlier reply, or an oversized datagram: not fatal for the listener
            }

            UdpSession? session;
            lock (_sessions)
            {
                _sessions.TryGetValue(from, out session);
            }

            session ??= OpenSession(listener, from);
            if (session is null)
            {
                continue;
            }

            session.Touch();
            try
            {
                await session.Socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, ct).ConfigureAwait(false);
                _core.Metrics.BytesReceived(session.Backend, n);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                EndSession(session, failed: ex is SocketException);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private UdpSession? OpenSession(Socket listener, SocketAddress from)
    {
        var client = (IPEndPoint)_template!.Create(from);
        if (!_core.Acl.IsAllowed(client.Address))
        {
            Interlocked.Increment(ref Denied);
            _core.Metrics.Denied();
            ForwarderLog.Denied(_core.Logger, client.Address);
            return null;
        }

        if (ActiveConnections >= _core.Options.MaxConnections)
        {
            Interlocked.Increment(ref Rejected);
            _core.Metrics.Rejected("limit");
            return null;
        }

        Backend?[]? tried = null;
        for (int attempt = 0; attempt < _core.Options.MaxConnectAttempts; attempt++)
        {
            var backend = _core.Pick(client.Address, tried);
            if (backend is null)
            {
                break;
            }

            var socket = new Socket(backend.EndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.Connect(backend.EndPoint);
            }
            catch (SocketException)
            {
                socket.Dispose();
                _core.Metrics.ConnectFailed(backend);
                _core.Health.RecordFailure(backend);
                tried ??= new Backend?[_core.Options.MaxConnectAttempts];
                tried[attempt] = backend;
                continue;
            }

            var key = new SocketAddress(from.Family, from.Size);
            from.Buffer.Span[..from.Size].CopyTo(key.Buffer.Span);
            var session = new UdpSession(this, key, backend, socket, _core.Time.GetTimestamp());
            lock (_sessions)
            {
                _sessions[key] = session;
            }

            backend.IncrementInFlight();
            _core.Metrics.Connected(backend);
            session.Start(listener);
            return session;
        }

        Interlocked.Increment(ref Rejected);
        _core.Metrics.Rejected("no_backend");
        ForwarderLog.NoBackend(_core.Logger, client);
        return null;
    }

    private void EndSession(UdpSession session, bool failed)
    {
        lock (_sessions)
        {
            if (_sessions.TryGetValue(session.ClientAddress, out var current) && ReferenceEquals(current, session))
            {
                _sessions.Remove(session.ClientAddress);
            }
        }

        if (failed)
        {
            _core.Metrics.ConnectFailed(session.Backend);
            _core.Health.RecordFailure(session.Backend);
        }

        session.Close();
    }

    /// <summary>One client address bound to one backend.</summary>
    private sealed class UdpSession
    {
        private readonly UdpForwarder _owner;
        private readonly long _started;
        private long _lastActivity;
        private int _closed;

        public UdpSession(UdpForwarder owner, SocketAddress clientAddress, Backend backend, Socket socket, long now)
        {
            _owner = owner;
            ClientAddress = clientAddress;
            Backend = backend;
            Socket = socket;
            _started = now;
            _lastActivity = now;
        }

        public SocketAddress ClientAddress { get; }

        public Backend Backend { get; }

        public Socket Socket { get; }

        public long LastActivity => Volatile.Read(ref _lastActivity);

        public void Touch() => Volatile.Write(ref _lastActivity, _owner._core.Time.GetTimestamp());

        public void Start(Socket listener) => _ = ReplyLoopAsync(listener);

        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return;
            }

            Socket.Dispose();
            Backend.DecrementInFlight();
            _owner._core.Metrics.Disconnected(Backend, _owner._core.Time.GetElapsedTime(_started));
        }

        private async Task ReplyLoopAsync(Socket listener)
        {
            await Task.Yield();
            var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
            try
            {
                while (true)
                {
                    int n = await Socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                    Touch();
                    await listener.SendToAsync(buffer.AsMemory(0, n), SocketFlags.None, ClientAddress).ConfigureAwait(false);
                    _owner._core.Metrics.BytesSent(Backend, n);
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                // ICMP port unreachable from the backend: a passive-health failure.
                _owner.EndSession(this, failed: true);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                _owner.EndSession(this, failed: false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
