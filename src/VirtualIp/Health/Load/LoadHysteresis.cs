namespace VirtualIp.Health.Load;

/// <summary>
/// Turns a noisy reading into a loaded / normal state: loaded after <c>samples</c> readings in a row at or above
/// <c>high</c>, normal after as many at or below <c>low</c> (readings inside the band reset the count), and never a
/// change sooner than <c>hold</c> after the previous one. Not thread-safe: one sampler feeds it.
/// </summary>
internal sealed class LoadHysteresis
{
    private readonly double _high;
    private readonly double _low;
    private readonly int _samples;
    private readonly TimeSpan _hold;
    private DateTimeOffset? _changedAt;
    private int _streak;

    public LoadHysteresis(double high, double low, int samples, TimeSpan hold)
    {
        if (!(high > low) || low < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(high), high, $"High must be greater than Low ({low}) and Low at least 0.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hold, TimeSpan.Zero);
        _high = high;
        _low = low;
        _samples = samples;
        _hold = hold;
    }

    /// <summary>True while loaded.</summary>
    public bool IsLoaded { get; private set; }

    /// <summary>When the state last changed, or null.</summary>
    public DateTimeOffset? ChangedAt => _changedAt;

    /// <summary>Feeds one reading taken at <paramref name="now"/>; true when the state changed.</summary>
    public bool Update(double value, DateTimeOffset now)
    {
        bool beyond = IsLoaded ? value <= _low : value >= _high;
        _streak = beyond ? _streak + 1 : 0;
        if (_streak < _samples || (_changedAt is { } at && now - at < _hold))
        {
            return false;
        }

        IsLoaded = !IsLoaded;
        _changedAt = now;
        _streak = 0;
        return true;
    }
}
