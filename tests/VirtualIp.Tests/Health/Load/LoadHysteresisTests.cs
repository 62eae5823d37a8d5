using VirtualIp.Health.Load;

namespace VirtualIp.Tests.Health.Load;

public sealed class LoadHysteresisTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Feeds one reading per second from <see cref="T0"/> and returns the seconds at which the state changed.</summary>
    private static List<int> Changes(LoadHysteresis h, params double[] readings)
    {
        var changes = new List<int>();
        for (int s = 0; s < readings.Length; s++)
        {
            if (h.Update(readings[s], T0.AddSeconds(s)))
            {
                changes.Add(s);
            }
        }

        return changes;
    }

    [Fact]
    public void Crossing_up_then_fluctuating_around_the_high_threshold_changes_state_once()
    {
        var h = new LoadHysteresis(high: 30, low: 10, samples: 2, hold: TimeSpan.FromSeconds(5));
        // 40, 45 → loaded at s1; then 60 s around 30 (25..35): never at or below 10, so it stays loaded.
        double[] readings = [40, 45, .. Enumerable.Range(0, 60).Select(i => i % 2 == 0 ? 25.0 : 35.0)];
        Assert.Equal([1], Changes(h, readings));
        Assert.True(h.IsLoaded);
    }

    [Fact]
    public void Swinging_across_the_whole_band_every_sample_never_changes_with_two_samples_needed()
    {
        var h = new LoadHysteresis(high: 30, low: 10, samples: 2, hold: TimeSpan.Zero);
        double[] readings = [.. Enumerable.Range(0, 60).Select(i => i % 2 == 0 ? 50.0 : 0.0)];
        Assert.Empty(Changes(h, readings));
        Assert.False(h.IsLoaded);
    }

    [Fact]
    public void No_change_back_before_the_hold_time()
    {
        var h = new LoadHysteresis(high: 30, low: 10, samples: 1, hold: TimeSpan.FromSeconds(10));
        // loaded at s0; idle from s1: normal only at s10, hold time after the change (not at s1).
        double[] readings = [50, .. Enumerable.Repeat(0.0, 15)];
        Assert.Equal([0, 10], Changes(h, readings));
        Assert.Equal(T0.AddSeconds(10), h.ChangedAt);
    }

    [Fact]
    public void A_reading_inside_the_band_resets_the_count()
    {
        var h = new LoadHysteresis(high: 30, low: 10, samples: 3, hold: TimeSpan.Zero);
        Assert.Equal([5], Changes(h, 31, 32, 20, 40, 41, 42));
    }

    [Fact]
    public void Thresholds_are_inclusive()
    {
        var h = new LoadHysteresis(high: 30, low: 10, samples: 1, hold: TimeSpan.Zero);
        Assert.Equal([0, 1], Changes(h, 30, 10));
    }

    [Theory]
    [InlineData(10, 10, 1)]
    [InlineData(10, 20, 1)]
    [InlineData(10, -1, 1)]
    [InlineData(10, 5, 0)]
    public void Bad_arguments_throw(double high, double low, int samples) =>
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new LoadHysteresis(high, low, samples, TimeSpan.Zero));
}
