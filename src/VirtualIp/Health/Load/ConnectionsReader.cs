namespace VirtualIp.Health.Load;

/// <summary>The active connections of one forwarder, through <see cref="IActiveConnectionsSource"/> (none registered: no reading).</summary>
internal sealed class ConnectionsReader(IActiveConnectionsSource? source, string forwarder) : ILoadReader
{
    public bool TryRead(out double value)
    {
        if (source is not null && source.TryGetActiveConnections(forwarder, out int count))
        {
            value = count;
            return true;
        }

        value = 0;
        return false;
    }
}
