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
    private readonly List<IDisposable> _checks = [];
    private int _disposed;

    public ActiveHealth(ForwarderCore core, IHealthMonitor? monitor, IBackendHealthSource? source)
    {
        _core = core;
        _source = source;
        var options = core.Options;
        var backends = core.Scheduler.Backends.AsSpan();
        foreach (var b in backends)
        {
            _byName[b.Name] = b;
        }

        if (source is not null)
        {
            source.BackendHealthChanged += OnSourceChanged;
            foreach (var b in backends)
            {
                if (!source.IsHealthy(b.Name))
                {
                    Apply(b, HealthSignal.External, healthy: false, "backend health source");
                }
            }
        }

        if (monitor is null || !options.HealthCheck.Enabled)
        {
            return;
        }

        _monitor = monitor;
        monitor.HealthChanged += OnCheckChanged;
        try
        {
            foreach (var b in backends)
            {
                string check = CheckName(options.Name, b.Name);
                _byCheck[check] = b;
                var probe = ProbeFor(options, b);
                _checks.Add(monitor.Add(
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
                    probe));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Checks added to the monitor.</summary>
    public int CheckCount => _checks.Count;

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

        foreach (var c in _checks)
        {
            c.Dispose();
        }
    }

    private static IHealthProbe ProbeFor(ForwarderOptions options, Backend backend)
    {
        foreach (var o in options.Backends)
        {
            if (o.HealthCheckAddress is not null && string.Equals(o.Name ?? o.Address, backend.Name, StringComparison.Ordinal)
                && ForwarderEndPoints.TrySplitHostPort(o.HealthCheckAddress, out var host, out int port))
            {
                return HealthProbes.Tcp(host, port);
            }
        }

        return HealthProbes.Tcp(backend.EndPoint);
    }

    private void OnCheckChanged(object? sender, HealthChangedEventArgs e)
    {
        if (Volatile.Read(ref _disposed) == 0 && e.NewState != HealthState.Unknown && _byCheck.TryGetValue(e.CheckName, out var b))
        {
            Apply(b, HealthSignal.Active, e.NewState == HealthState.Up, e.LastResult.Reason);
        }
    }

    private void OnSourceChanged(string backendId, bool healthy, string reason)
    {
        if (Volatile.Read(ref _disposed) == 0 && _byName.TryGetValue(backendId, out var b))
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
