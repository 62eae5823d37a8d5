using System.Collections.Concurrent;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>Where a backend's "down" came from; <see cref="Backend.IsHealthy"/> is true only when none is set.</summary>
[Flags]
internal enum HealthSignal
{
    None = 0,

    /// <summary>The forwarder's own passive health (failed forwarded connections).</summary>
    Passive = 1,

    /// <summary>The forwarder's active TCP check.</summary>
    Active = 2,

    /// <summary>An <c>IBackendHealthSource</c> (checks and signals run by someone else).</summary>
    External = 4,
}

/// <summary>
/// Combines the health signals of each backend into <see cref="Backend.IsHealthy"/>: a backend is healthy only while
/// no signal says it is down, so active and passive health never overwrite each other.
/// </summary>
internal sealed class BackendHealthFlags
{
    private readonly ConcurrentDictionary<Backend, Box> _down = new(ReferenceEqualityComparer.Instance);

    /// <summary>Sets or clears one signal; returns true when <see cref="Backend.IsHealthy"/> changed.</summary>
    public bool Set(Backend backend, HealthSignal signal, bool down)
    {
        var box = _down.GetOrAdd(backend, static _ => new Box());
        lock (box)
        {
            var before = box.Down;
            box.Down = down ? before | signal : before & ~signal;
            backend.IsHealthy = box.Down == HealthSignal.None;
            return (before == HealthSignal.None) != (box.Down == HealthSignal.None);
        }
    }

    /// <summary>The signals that currently hold the backend down.</summary>
    public HealthSignal Get(Backend backend) => _down.TryGetValue(backend, out var box) ? box.Down : HealthSignal.None;

    private sealed class Box
    {
        public HealthSignal Down;
    }
}
