using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Health.Tracking;

namespace VirtualIp.Health.Load;

/// <summary>
/// One running load track: samples its reader every <see cref="LoadTrack.SampleInterval"/> (a <see cref="TimeProvider"/>
/// timer), feeds a <see cref="LoadHysteresis"/>, and reports the state to the router's <see cref="PriorityTracker"/> as a
/// tracked item (normal = up, loaded = down) with the reading in the reason. Dispose to stop and remove the item.
/// </summary>
internal sealed partial class LoadTrackInput : IDisposable
{
    private readonly Lock _lock = new();
    private readonly LoadTrack _track;
    private readonly ILoadReader _reader;
    private readonly PriorityTracker _tracker;
    private readonly ITrackedInput _input;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LoadHysteresis _hysteresis;
    private readonly ITimer _timer;
    private bool _unreadableLogged;
    private int _misses;
    private bool _disposed;

    public LoadTrackInput(LoadTrack track, ILoadReader reader, PriorityTracker tracker, TimeProvider time, ILogger? logger = null)
    {
        _track = track;
        _reader = reader;
        _tracker = tracker;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _hysteresis = new LoadHysteresis(track.High, track.Low, track.Samples, track.HoldTime);
        _input = tracker.AddInput(track.Name, track.Weight, initiallyUp: true);
        _timer = time.CreateTimer(static s => ((LoadTrackInput)s!).Sample(), this, track.SampleInterval, track.SampleInterval);
    }

    /// <summary>The track.</summary>
    public LoadTrack Track => _track;

    /// <summary>The last reading, or null before the first.</summary>
    public double? LastValue { get; private set; }

    /// <summary>True while loaded.</summary>
    public bool IsLoaded
    {
        get
        {
            lock (_lock)
            {
                return _hysteresis.IsLoaded;
            }
        }
    }

    /// <summary>Takes one sample (the timer's callback; tests may call it).</summary>
    internal void Sample()
    {
        string? what = null;
        bool loaded;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            if (!_reader.TryRead(out double value))
            {
                // Rates (CPU pressure) have no value at their first reading nor after a cgroup move: warn on the third miss in a row.
                if (!_unreadableLogged && ++_misses >= 3)
                {
                    _unreadableLogged = true;
                    LogUnreadable(_logger, _track.Router, _track.Name);
                }

                return;
            }

            _unreadableLogged = false;
            _misses = 0;
            LastValue = value;
            if (!_hysteresis.Update(value, _time.GetUtcNow()))
            {
                return;
            }

            loaded = _hysteresis.IsLoaded;
            var c = CultureInfo.InvariantCulture;
            what = loaded
                ? string.Create(c, $"loaded: {_track.Format(value)} at or above {_track.High} for {_track.Samples} sample(s)")
                : string.Create(c, $"normal: {_track.Format(value)} at or below {_track.Low} for {_track.Samples} sample(s)");
        }

        LogLoadChanged(_logger, _track.Router, _track.Name, what);
        _tracker.Set(_input, !loaded, what);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _timer.Dispose();
        _input.Dispose();
    }

    [LoggerMessage(EventId = 1230, Level = LogLevel.Information, Message = "Virtual router '{Router}': '{Track}' {What}.")]
    private static partial void LogLoadChanged(ILogger logger, string router, string track, string what);

    [LoggerMessage(EventId = 1231, Level = LogLevel.Warning, Message = "Virtual router '{Router}': '{Track}' has no reading (file missing, PSI disabled, or the forwarder not running); its state is kept.")]
    private static partial void LogUnreadable(ILogger logger, string router, string track);
}
