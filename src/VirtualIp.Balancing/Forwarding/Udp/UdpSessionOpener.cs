using System.Net;
using System.Net.Sockets;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Opens the session for a datagram from an unknown client address: source ACL, admission against the limits
/// (<see cref="UdpSessionTable.TryAdmit"/>), backend pick, connected socket. Every refusal is counted by reason
/// (<c>virtualip.forwarder.refused</c>) and logged at most once per reason every 10 s. A refusal costs no allocation
/// (with an empty ACL), so a flood of new sources beyond the caps is cheap to drop. Local socket errors (out of handles,
/// buffers or ports) refuse the client with reason <c>local_error</c> and are never counted against the backend.
/// Called from the receive loop only.
/// </summary>
internal sealed class UdpSessionOpener
{
    private static readonly TimeSpan s_logInterval = TimeSpan.FromSeconds(10);

    private readonly UdpForwarder _owner;
    private readonly UdpSessionTable _table;
    private readonly Dictionary<string, RefusalLog> _refusalLogs = new(StringComparer.Ordinal)
    {
        [RefusalReasons.Acl] = new(),
        [RefusalReasons.SessionLimit] = new(),
        [RefusalReasons.SourceSessionLimit] = new(),
        [RefusalReasons.RateLimit] = new(),
        [RefusalReasons.NoBackend] = new(),
        [RefusalReasons.LocalError] = new(),
    };

    public UdpSessionOpener(UdpForwarder owner, UdpSessionTable table)
    {
        _owner = owner;
        _table = table;
    }

    /// <summary>Creates the socket of a new session (test hook: inject local errors).</summary>
    public Func<AddressFamily, Socket> SocketFactory { get; set; } = static family => new Socket(family, SocketType.Dgram, ProtocolType.Udp);

    private ForwarderCore Core => _owner.Core;

    public UdpSession? TryOpen(Socket listener, SocketAddress from)
    {
        var source = UdpSourceKey.From(from);
        if (!Core.Acl.IsEmpty && !Core.Acl.IsAllowed(source.ToIPAddress()))
        {
            Interlocked.Increment(ref _owner.Denied);
            Core.Metrics.Denied();
            return Refuse(RefusalReasons.Acl, source);
        }

        if (_table.TryAdmit(source) is { } reason)
        {
            if (reason == RefusalReasons.SessionLimit)
            {
                Interlocked.Increment(ref _owner.Rejected);
                Core.Metrics.Rejected("limit");
            }

            return Refuse(reason, source);
        }

        bool added = false;
        try
        {
            var client = source.ToIPAddress();
            Backend?[]? tried = null;
            for (int attempt = 0; attempt < Core.Options.MaxConnectAttempts; attempt++)
            {
                var backend = Core.Pick(client, tried);
                if (backend is null)
                {
                    break;
                }

                Socket? socket = null;
                try
                {
                    socket = SocketFactory(backend.EndPoint.AddressFamily);
                    socket.Connect(backend.EndPoint);
                    socket.Blocking = false;
                }
                catch (SocketException ex)
                {
                    socket?.Dispose();
                    if (!Core.Health.RecordFailure(backend, ex.SocketErrorCode))
                    {
                        return Refuse(RefusalReasons.LocalError, source);
                    }

                    Core.Metrics.ConnectFailed(backend);
                    tried ??= new Backend?[Core.Options.MaxConnectAttempts];
                    tried[attempt] = backend;
                    continue;
                }

                var key = new SocketAddress(from.Family, from.Size);
                from.Buffer.Span[..from.Size].CopyTo(key.Buffer.Span);
                var session = new UdpSession(key, source, backend, socket, Core.Time);
                _table.Add(session);
                added = true;
                backend.IncrementInFlight();
                Core.Metrics.Connected(backend);
                UdpReplyLoop.Start(session, listener, _owner);
                return session;
            }

            Interlocked.Increment(ref _owner.Rejected);
            Core.Metrics.Rejected("no_backend");
            return Refuse(RefusalReasons.NoBackend, source);
        }
        finally
        {
            if (!added)
            {
                _table.CancelAdmission(source);
            }
        }
    }

    private UdpSession? Refuse(string reason, UdpSourceKey source)
    {
        Core.Metrics.Refused(reason);
        _owner.CountRefusal(reason);
        var log = _refusalLogs[reason];
        long now = Core.Time.GetTimestamp();
        if (log.Last != 0 && Core.Time.GetElapsedTime(log.Last, now) < s_logInterval)
        {
            log.Suppressed++;
            return null;
        }

        ForwarderLog.UdpSessionRefused(Core.Logger, Core.Options.Name, reason, source, log.Suppressed);
        log.Last = now;
        log.Suppressed = 0;
        return null;
    }

    private sealed class RefusalLog
    {
        public long Last;
        public long Suppressed;
    }
}
