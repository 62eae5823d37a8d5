using System.Diagnostics;
using System.Diagnostics.Metrics;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Forwarder instruments on the "VirtualIp" meter, all prefixed <c>virtualip.forwarder.</c>, tagged with the
/// forwarder name and (where it applies) the backend name. Recording allocates nothing.
/// </summary>
internal sealed class ForwarderMetrics
{
    public const string MeterName = "VirtualIp";
    public const string NameTag = "virtualip.forwarder.name";
    public const string BackendTag = "virtualip.backend";

    private readonly string _name;
    private readonly Counter<long> _connections;
    private readonly UpDownCounter<long> _active;
    private readonly Counter<long> _connectFailures;
    private readonly Counter<long> _denied;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _bytesOut;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _backendDown;

    public ForwarderMetrics(Meter meter, string name)
    {
        _name = name;
        _connections = meter.CreateCounter<long>("virtualip.forwarder.connections", "{connection}", "Client connections (TCP) or sessions (UDP) forwarded to a backend.");
        _active = meter.CreateUpDownCounter<long>("virtualip.forwarder.active_connections", "{connection}", "Connections or sessions open now.");
        _connectFailures = meter.CreateCounter<long>("virtualip.forwarder.connect_failures", "{attempt}", "Backend connection attempts that failed or timed out.");
        _denied = meter.CreateCounter<long>("virtualip.forwarder.denied", "{connection}", "Clients refused by the source ACL.");
        _rejected = meter.CreateCounter<long>("virtualip.forwarder.rejected", "{connection}", "Clients closed because of the connection limit or no reachable backend.");
        _bytesIn = meter.CreateCounter<long>("virtualip.forwarder.bytes_received", "By", "Bytes from clients forwarded to backends.");
        _bytesOut = meter.CreateCounter<long>("virtualip.forwarder.bytes_sent", "By", "Bytes from backends forwarded to clients.");
        _duration = meter.CreateHistogram<double>("virtualip.forwarder.connection.duration", "s", "Lifetime of forwarded connections or sessions.");
        _backendDown = meter.CreateCounter<long>("virtualip.forwarder.backend_down", "{event}", "Backends marked down by passive health.");
    }

    public void Connected(Backend backend)
    {
        var tags = Tags(backend);
        _connections.Add(1, tags);
        _active.Add(1, tags);
    }

    public void Disconnected(Backend backend, TimeSpan duration)
    {
        var tags = Tags(backend);
        _active.Add(-1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    public void ConnectFailed(Backend backend) => _connectFailures.Add(1, Tags(backend));

    public void BackendDown(Backend backend) => _backendDown.Add(1, Tags(backend));

    public void Denied() => _denied.Add(1, new KeyValuePair<string, object?>(NameTag, _name));

    public void Rejected(string reason) =>
        _rejected.Add(1, new KeyValuePair<string, object?>(NameTag, _name), new KeyValuePair<string, object?>("virtualip.reason", reason));

    public void BytesReceived(Backend backend, int count)
    {
        if (_bytesIn.Enabled)
        {
            _bytesIn.Add(count, Tags(backend));
        }
    }

    public void BytesSent(Backend backend, int count)
    {
        if (_bytesOut.Enabled)
        {
            _bytesOut.Add(count, Tags(backend));
        }
    }

    private TagList Tags(Backend backend) => new()
    {
        { NameTag, _name },
        { BackendTag, backend.Name },
    };
}
