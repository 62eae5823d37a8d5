using System.Net;
using Microsoft.Extensions.Logging;
using VirtualIp.Health;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Active health of a forwarder's backends: one TCP connect check per backend run by an <see cref="IHealthMonitor"/>
/// (rise/fall/interval from <see cref="ForwarderOptions.HealthCheck"/>; backends start up, so <c>Fall</c> failed probes
/// take one out and <c>Rise</c> good ones bring it back), plus the health others keep in an
/// <see cref="IBackendHealthSource"/> (matched by <see cref="Backend.Name"/>). Both feed <see cref="BackendHealthFlags"/>.
/// </summary>
internal sealed class ActiveHealth : IDisposable
{
    private readonly ForwarderCore _core;
    private readonly IHealthMonitor? _monitor;
    private readonly IBackendHealthSource? _source;
    private readonly Dictionary<string, Backend> _byCheck = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Backend> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IDisposable> _checks = new(StringComparer.Ordinal);
    private int _disposed;

    public ActiveHealth(ForwarderCore core, IHealthMonitor? monitor, IBackendHealthSource? source)
    {
        _core = core;
        _source = source;
        if (source is not null)
        {
            source.BackendHealthChanged += OnSourceChanged;
        }

        if (monitor is not null && core.Options.HealthCheck.Enabled)
        {
            _monitor = monitor;
            monitor.HealthChanged += OnCheckChanged;
        }

        try
        {
            foreach (var b in core.Scheduler.Backends.AsSpan())
            {
                Add(b, HealthCheckAddressOf(core.Options, b));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts watching one more backend (a backend added at runtime): the source's verdict now, and a TCP check at
    /// <paramref name="healthCheckAddress"/> ("HOST:PORT", null = the backend's own endpoint) when checks are enabled.
    /// </summary>
    public void Add(Backend backend, string? healthCheckAddress)
    {
        lock (_byName)
        {
            _byName[backend.Name] = backend;
        }

        if (_source is not null && !_source.IsHealthy(backend.Name))
        {
            Apply(backend, HealthSignal.External, healthy: false, "backend health source");
        }

        if (_monitor is null)
        {
            return;
        }

        var options = _core.Options;
        string check = CheckName(options.Name, backend.Name);
        lock (_byName)
        {
            _byCheck[check] = backend;
        }

        var registration = _monitor.Add(
            new HealthCheckOptions
            {
                Name = check,
                Interval = options.HealthCheck.Interval,
                Timeout = options.HealthCheck.Timeout,
                Rise = options.HealthCheck.Rise,
                Fall = options.HealthCheck.Fall,
                JitterFraction = options.HealthCheck.JitterFraction,
                InitialState = HealthState.Up,
            },
            ProbeFor(healthCheckAddress, backend));
        lock (_byName)
        {
            _checks[check] = registration;
        }
    }

    /// <summary>Stops watching a backend removed at runtime (its check is removed from the monitor).</summary>
    public void Remove(string backendName)
    {
        IDisposable? registration;
        string check = CheckName(_core.Options.Name, backendName);
        lock (_byName)
        {
            _byName.Remove(backendName);
            _byCheck.Remove(check);
            _checks.Remove(check, out registration);
        }

        registration?.Dispose();
    }

    /// <summary>Points the verdicts for a backend's name at its replacement (same name, new weight).</summary>
    public void Retarget(Backend old, Backend replacement)
    {
        lock (_byName)
        {
            if (_byName.TryGetValue(old.Name, out var b) && ReferenceEquals(b, old))
            {
                _byName[old.Name] = replacement;
            }

            string check = CheckName(_core.Options.Name, old.Name);
            if (_byCheck.TryGetValue(check, out b) && ReferenceEquals(b, old))
            {
                _byCheck[check] = replacement;
            }
        }
    }

    /// <summary>Checks added to the monitor.</summary>
    public int CheckCount
    {
        get
        {
            lock (_byName)
            {
                return _checks.Count;
            }
        }
    }

    /// <summary>The monitor's check name for a backend of a forwarder.</summary>
    public static string CheckName(string forwarder, string backend) => $"forwarder/{forwarder}/{backend}";

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_source is not null)
        {
            _source.BackendHealthChanged -= OnSourceChanged;
        }

        if (_monitor is not null)
        {
            _monitor.HealthChanged -= OnCheckChanged;
        }

        IDisposable[] checks;
        lock (_byName)
        {
            checks = [.. _checks.Values];
            _checks.Clear();
        }

        foreach (var c in checks)
        {
            c.Dispose();
        }
    }

    private static string? HealthCheckAddressOf(ForwarderOptions options, Backend backend)
    {
        foreach (var o in options.Backends)
        {
            if (o.HealthCheckAddress is not null && string.Equals(o.Name ?? o.Address, backend.Name, StringComparison.Ordinal))
            {
                return o.HealthCheckAddress;
            }
        }

        return null;
    }

    private static IHealthProbe ProbeFor(string? healthCheckAddress, Backend backend) =>
        healthCheckAddress is not null && ForwarderEndPoints.TrySplitHostPort(healthCheckAddress, out var host, out int port)
            ? HealthProbes.Tcp(host, port)
            : HealthProbes.Tcp(backend.EndPoint);

    private void OnCheckChanged(object? sender, HealthChangedEventArgs e)
    {
        Backend? b;
        lock (_byName)
        {
            _byCheck.TryGetValue(e.CheckName, out b);
        }

        if (Volatile.Read(ref _disposed) == 0 && e.NewState != HealthState.Unknown && b is not null)
        {
            Apply(b, HealthSignal.Active, e.NewState == HealthState.Up, e.LastResult.Reason);
        }
    }

    private void OnSourceChanged(string backendId, bool healthy, string reason)
    {
        Backend? b;
        lock (_byName)
        {
            _byName.TryGetValue(backendId, out b);
        }

        if (Volatile.Read(ref _disposed) == 0 && b is not null)
        {
            Apply(b, HealthSignal.External, healthy, reason);
        }
    }

    private void Apply(Backend backend, HealthSignal signal, bool healthy, string reason)
    {
        if (_core.HealthFlags.Set(backend, signal, down: !healthy))
        {
            if (healthy)
            {
                ForwarderLog.BackendUp(_core.Logger, backend.Name, signal, reason);
            }
            else
            {
                _core.Metrics.BackendDown(backend);
                ForwarderLog.BackendCheckDown(_core.Logger, backend.Name, signal, reason);
            }
        }
    }
}
