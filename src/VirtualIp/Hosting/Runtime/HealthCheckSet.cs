using VirtualIp.Health;

namespace VirtualIp.Hosting;

/// <summary>The configured health checks on the <see cref="IHealthMonitor"/>; a reload adds, removes and replaces (changed) checks by name.</summary>
internal sealed class HealthCheckSet(IHealthMonitor health)
{
    private readonly Dictionary<string, (HealthCheckEntry Entry, IDisposable Registration)> _checks = new(StringComparer.Ordinal);

    /// <summary>Makes the running checks match <paramref name="entries"/>.</summary>
    public void Apply(IReadOnlyList<HealthCheckEntry> entries)
    {
        var wanted = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        foreach (var (name, running) in _checks.ToList())
        {
            if (!wanted.TryGetValue(name, out var next) || next != running.Entry)
            {
                running.Registration.Dispose();
                _checks.Remove(name);
            }
        }

        foreach (var e in entries)
        {
            if (!_checks.ContainsKey(e.Name))
            {
                _checks[e.Name] = (e, health.Add(e.ToOptions(), e.CreateProbe()));
            }
        }
    }

    /// <summary>Removes every check this set added.</summary>
    public void Stop()
    {
        foreach (var c in _checks.Values)
        {
            c.Registration.Dispose();
        }

        _checks.Clear();
    }
}
