using System.Diagnostics;
using System.Diagnostics.Metrics;
using VirtualIp.Diagnostics;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Forwarder instruments on the <see cref="VirtualIpMeters.Balancing"/> meter, all prefixed <c>virtualip.forwarder.</c>,
/// with the forwarder name, the transport and (where it applies) the backend name. Created through the host's
/// <see cref="IMeterFactory"/>; without one nothing is recorded. Recording allocates nothing.
/// </summary>
internal sealed class ForwarderMetrics
{
    public const string NameTag = "virtualip.forwarder.name";
    public const string BackendTag = "virtualip.backend.name";
    public const string TransportTag = "network.transport";
    public const string DirectionTag = "network.io.direction";

    /// <summary>Connection lifetimes: 10 ms to 5 min (as Kestrel's connection duration advice).</summary>
    private static readonly InstrumentAdvice<double> s_durationBuckets = new()
    {
        HistogramBucketBoundaries = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    };

    private readonly string _name;
    private readonly string _transport;
    private readonly Counter<long>? _connections;
    private readonly UpDownCounter<long>? _active;
    private readonly Counter<long>? _connectFailures;
    private readonly Counter<long>? _denied;
    private readonly Counter<long>? _rejected;
    private readonly Counter<long>? _io;
    private readonly Histogram<double>? _duration;
    private readonly Counter<long>? _backendDown;
    private readonly Counter<long>? _refused;
    private readonly Counter<long>? _loopRestarts;
    private readonly Counter<long>? _localErrors;

    public ForwarderMetrics(IMeterFactory? meterFactory, string name, ForwarderProtocol protocol)
    {
        _name = name;
        _transport = protocol == ForwarderProtocol.Udp ? "udp" : "tcp";
        if (meterFactory is null)
        {
            return;
        }

        var meter = meterFactory.Create(VirtualIpMeters.Balancing);
        _connections = meter.CreateCounter<long>("virtualip.forwarder.connections", "{connection}", "Client connections (TCP) or sessions (UDP) forwarded to a backend.");
        _active = meter.CreateUpDownCounter<long>("virtualip.forwarder.active_connections", "{connection}", "Connections or sessions open now.");
        _connectFailures = meter.CreateCounter<long>("virtualip.forwarder.connect_failures", "{attempt}", "Backend connection attempts that failed or timed out.");
        _denied = meter.CreateCounter<long>("virtualip.forwarder.denied", "{connection}", "Clients refused by the source ACL.");
        _rejected = meter.CreateCounter<long>("virtualip.forwarder.rejected", "{connection}",
            "Clients closed because of the connection limit or no reachable backend (error.type limit or no_backend).");
        _io = meter.CreateCounter<long>("virtualip.forwarder.io", "By",
            "Bytes forwarded: receive = from clients to backends, transmit = from backends to clients.");
        _duration = meter.CreateHistogram<double>("virtualip.forwarder.connection.duration", "s", "Lifetime of forwarded connections or sessions.",
            tags: null, advice: s_durationBuckets);
        _backendDown = meter.CreateCounter<long>("virtualip.forwarder.backend_down", "{event}", "Backends marked down by passive or active health.");

        // Abuse safety (refusals by reason, supervised loops, local resource errors).
        _refused = meter.CreateCounter<long>("virtualip.forwarder.refused", "{refusal}",
            "Clients (TCP) or datagrams needing a new session (UDP) turned away, by reason (acl, session_limit, source_session_limit, rate_limit, no_backend, local_error).");
        _loopRestarts = meter.CreateCounter<long>("virtualip.forwarder.loop_restarts", "{restart}", "Accept/receive loops restarted after an unexpected failure.");
        _localErrors = meter.CreateCounter<long>("virtualip.forwarder.local_errors", "{error}",
            "Local resource errors (out of handles, buffers or ports) not counted against a backend, by error.type.");
    }

    public void Connected(Backend backend)
    {
        if (_connections is null)
        {
            return;
        }

        var tags = Tags(backend);
        _connections.Add(1, tags);
        _active!.Add(1, tags);
    }

    public void Disconnected(Backend backend, TimeSpan duration)
    {
        if (_active is null)
        {
            return;
        }

        var tags = Tags(backend);
        _active.Add(-1, tags);
        _duration!.Record(duration.TotalSeconds, tags);
    }

    public void ConnectFailed(Backend backend) => _connectFailures?.Add(1, Tags(backend));

    public void BackendDown(Backend backend) => _backendDown?.Add(1, Tags(backend));

    public void Denied() => _denied?.Add(1, new(NameTag, _name), new(TransportTag, _transport));

    public void Rejected(string reason) => _rejected?.Add(1, new(NameTag, _name), new(TransportTag, _transport), new("error.type", reason));

    /// <summary>Counts one refusal; <paramref name="reason"/> is one of <see cref="RefusalReasons"/>.</summary>
    public void Refused(string reason) => _refused?.Add(1, new(NameTag, _name), new(TransportTag, _transport), new("reason", reason));

    /// <summary>Counts a restart of a supervised loop (<paramref name="loop"/>: <c>accept</c>, <c>receive</c>).</summary>
    public void LoopRestarted(string loop) => _loopRestarts?.Add(1, new(NameTag, _name), new(TransportTag, _transport), new("loop", loop));

    /// <summary>Counts a local resource error (see <see cref="SocketErrorClassifier"/>).</summary>
    public void LocalError(System.Net.Sockets.SocketError error) =>
        _localErrors?.Add(1, new(NameTag, _name), new(TransportTag, _transport), new("error.type", SocketErrorClassifier.Name(error)));

    public void BytesReceived(Backend backend, int count) => Io(backend, count, "receive");

    public void BytesSent(Backend backend, int count) => Io(backend, count, "transmit");

    private void Io(Backend backend, int count, string direction)
    {
        if (_io is { Enabled: true })
        {
            var tags = Tags(backend);
            tags.Add(DirectionTag, direction);
            _io.Add(count, tags);
        }
    }

    private TagList Tags(Backend backend) => new()
    {
        { NameTag, _name },
        { TransportTag, _transport },
        { BackendTag, backend.Name },
    };
}
