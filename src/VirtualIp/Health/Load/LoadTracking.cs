using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Diagnostics;
using VirtualIp.Health.Tracking;

namespace VirtualIp.Health.Load;

/// <summary>
/// Starts load tracks (one <see cref="LoadTrackInput"/> each, with the reader its source needs) and publishes their
/// readings as the <c>virtualip.vrrp.load</c> gauge. The forwarders' connections come from an
/// <see cref="IActiveConnectionsSource"/> looked up when a track starts (VirtualIp.Balancing registers one).
/// </summary>
internal sealed class LoadTracking
{
    private readonly ConcurrentDictionary<LoadTrackInput, byte> _running = new();
    private readonly TimeProvider _time;
    private readonly Func<IActiveConnectionsSource?> _connections;
    private readonly ILoggerFactory _loggers;
    private readonly Func<LoadTrack, ILoadReader>? _readers;

    /// <param name="time">The clock the samplers run on.</param>
    /// <param name="connections">Looks up the forwarders' connections when a Connections track starts.</param>
    /// <param name="meterFactory">Where the gauge is created; none: no gauge.</param>
    /// <param name="loggers">Loggers.</param>
    /// <param name="readers">Tests: the reader of each track instead of procfs and the forwarders.</param>
    public LoadTracking(TimeProvider time, Func<IActiveConnectionsSource?>? connections = null, IMeterFactory? meterFactory = null, ILoggerFactory? loggers = null,
        Func<LoadTrack, ILoadReader>? readers = null)
    {
        _readers = readers;
        _time = time;
        _connections = connections ?? (static () => null);
        _loggers = loggers ?? NullLoggerFactory.Instance;
        meterFactory?.Create(VirtualIpMeters.Core).CreateObservableGauge("virtualip.vrrp.load", Observe, "{load}",
            "The last reading of each load track, in its source's unit: percent (cpu_pressure), load per CPU (load_average), connections (connections).");
    }

    /// <summary>Starts <paramref name="track"/> on <paramref name="tracker"/>; dispose the result to stop it.</summary>
    public IDisposable Start(LoadTrack track, PriorityTracker tracker)
    {
        ILoadReader reader = _readers?.Invoke(track) ?? track.Source switch
        {
            LoadSource.CpuPressure when track.Scope == LoadScope.Process => new ProcessCpuPressureReader(_time),
            LoadSource.CpuPressure when track.Scope == LoadScope.Cgroup => PressureReader.Cgroup(_time),
            LoadSource.CpuPressure => PressureReader.System(_time),
            LoadSource.LoadAverage => new LoadAverageReader(),
            _ => new ConnectionsReader(_connections(), track.Forwarder!),
        };
        return Start(track, reader, tracker);
    }

    /// <summary>Starts <paramref name="track"/> with <paramref name="reader"/> (tests: fake readings).</summary>
    internal IDisposable Start(LoadTrack track, ILoadReader reader, PriorityTracker tracker)
    {
        var input = new LoadTrackInput(track, reader, tracker, _time, _loggers.CreateLogger<LoadTrackInput>());
        _running[input] = 0;
        return new Stop(this, input);
    }

    private IEnumerable<Measurement<double>> Observe()
    {
        foreach (var input in _running.Keys)
        {
            if (input.LastValue is { } v)
            {
                yield return new Measurement<double>(v,
                    new KeyValuePair<string, object?>(MetricNames.RouterName, input.Track.Router),
                    new KeyValuePair<string, object?>("virtualip.load.source", SourceName(input.Track.Source)));
            }
        }
    }

    private static string SourceName(LoadSource s) => s switch
    {
        LoadSource.CpuPressure => "cpu_pressure",
        LoadSource.LoadAverage => "load_average",
        _ => "connections",
    };

    private sealed class Stop(LoadTracking owner, LoadTrackInput input) : IDisposable
    {
        public void Dispose()
        {
            owner._running.TryRemove(input, out _);
            input.Dispose();
        }
    }
}
