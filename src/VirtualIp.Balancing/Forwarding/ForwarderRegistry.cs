using System.Collections.Concurrent;
using VirtualIp.Health;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// The running forwarders by name, so load tracking (<c>TrackLoad</c> source <c>Connections</c>) can read their active
/// connections through <see cref="IActiveConnectionsSource"/> without the core referencing this package.
/// </summary>
internal sealed class ForwarderRegistry : IActiveConnectionsSource
{
    private readonly ConcurrentDictionary<string, IForwarder> _running = new(StringComparer.Ordinal);

    public void Add(string name, IForwarder forwarder) => _running[name] = forwarder;

    public void Remove(string name, IForwarder forwarder) => _running.TryRemove(new KeyValuePair<string, IForwarder>(name, forwarder));

    /// <summary>The running forwarder named <paramref name="name"/> (started and not stopped).</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out IForwarder forwarder) => _running.TryGetValue(name, out forwarder);

    public bool TryGetActiveConnections(string forwarder, out int count)
    {
        if (_running.TryGetValue(forwarder, out var f))
        {
            count = f.ActiveConnections;
            return true;
        }

        count = 0;
        return false;
    }
}
