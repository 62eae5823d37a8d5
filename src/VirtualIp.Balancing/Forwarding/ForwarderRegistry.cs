using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using VirtualIp.Balancing.Management;
using VirtualIp.Health;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// The running forwarders by name: their runtime control (<see cref="IForwarderManager"/>), and their active
/// connections for load tracking (<c>TrackLoad</c> source <c>Connections</c>) through <see cref="IActiveConnectionsSource"/>
/// without the core referencing this package.
/// </summary>
internal sealed class ForwarderRegistry : IActiveConnectionsSource, IForwarderManager
{
    private readonly ConcurrentDictionary<string, ForwarderControl> _running = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => [.. _running.Keys.Order(StringComparer.Ordinal)];

    public void Add(string name, ForwarderControl forwarder) => _running[name] = forwarder;

    public void Remove(string name, ForwarderControl forwarder) => _running.TryRemove(new KeyValuePair<string, ForwarderControl>(name, forwarder));

    /// <summary>True while a forwarder of that name runs (its reloads are validated by the forwarder, not the options monitor).</summary>
    public bool IsRunning(string name) => _running.ContainsKey(name);

    public IForwarderControl Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _running.TryGetValue(name, out var c)
            ? c
            : throw new KeyNotFoundException($"No forwarder named '{name}' is running (running: {string.Join(", ", Names)}).");
    }

    public bool TryGet(string name, [NotNullWhen(true)] out IForwarderControl? control)
    {
        ArgumentNullException.ThrowIfNull(name);
        bool found = _running.TryGetValue(name, out var c);
        control = c;
        return found;
    }

    /// <summary>The running forwarder named <paramref name="name"/> (started and not stopped).</summary>
    public bool TryGetForwarder(string name, [MaybeNullWhen(false)] out IForwarder forwarder)
    {
        bool found = _running.TryGetValue(name, out var c);
        forwarder = c?.Forwarder;
        return found;
    }

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
