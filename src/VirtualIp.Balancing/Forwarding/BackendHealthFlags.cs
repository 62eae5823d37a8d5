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

    // A backend replaced at runtime (same name, new weight) forwards its signals to its replacement, so a passive-health
    // reactivation timer or a check result for the old instance lands on the one the scheduler picks now.
    private readonly ConcurrentDictionary<Backend, Backend> _replacedBy = new(ReferenceEqualityComparer.Instance);

    /// <summary>Sets or clears one signal; returns true when <see cref="Backend.IsHealthy"/> changed.</summary>
    public bool Set(Backend backend, HealthSignal signal, bool down)
    {
        while (_replacedBy.TryGetValue(backend, out var next))
        {
            backend = next;
        }

        var box = _down.GetOrAdd(backend, static _ => new Box());
        lock (box)
        {
            var before = box.Down;
            box.Down = down ? before | signal : before & ~signal;
            while (_replacedBy.TryGetValue(backend, out var next))
            {
                backend = next; // replaced while we waited for the box
            }

            backend.IsHealthy = box.Down == HealthSignal.None;
            return (before == HealthSignal.None) != (box.Down == HealthSignal.None);
        }
    }

    /// <summary>The signals that currently hold the backend down.</summary>
    public HealthSignal Get(Backend backend) => _down.TryGetValue(backend, out var box) ? box.Down : HealthSignal.None;

    /// <summary>
    /// Carries the signals of <paramref name="old"/> over to <paramref name="replacement"/> (its health now) and
    /// forwards later signals for <paramref name="old"/> to it.
    /// </summary>
    public void Replace(Backend old, Backend replacement)
    {
        var box = _down.GetOrAdd(old, static _ => new Box());
        lock (box)
        {
            _replacedBy[old] = replacement;
            _down[replacement] = box;
            replacement.IsHealthy = box.Down == HealthSignal.None;
        }

        _down.TryRemove(old, out _);
    }

    /// <summary>Drops the state of a backend removed at runtime (and of the instances it replaced).</summary>
    public void Forget(Backend backend)
    {
        _down.TryRemove(backend, out _);
        foreach (var (old, next) in _replacedBy)
        {
            if (ReferenceEquals(next, backend))
            {
                _replacedBy.TryRemove(old, out _);
            }
        }
    }

    private sealed class Box
    {
        public HealthSignal Down;
    }
}
