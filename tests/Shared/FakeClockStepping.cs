namespace VirtualIp.Testing;

/// <summary>Drives hosts that run on a fake clock (simulated LAN tests): the clock moves in small steps while real work catches up.</summary>
internal static class FakeClockStepping
{
    /// <summary>
    /// Advances <paramref name="clock"/> (through <paramref name="advance"/>, e.g. <c>FakeTimeProvider.Advance</c>)
    /// 5 ms at a time, with a 1 ms real pause after each step so the hosts' queued work runs, until
    /// <paramref name="condition"/> holds; fails after 30 s of real time or 2 minutes of fake time.
    /// </summary>
    public static async Task StepUntilAsync(TimeProvider clock, Action<TimeSpan> advance, Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var start = clock.GetUtcNow();
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline && clock.GetUtcNow() - start < TimeSpan.FromMinutes(2), $"timed out waiting for {what}");
            advance(TimeSpan.FromMilliseconds(5));
            await Task.Delay(1);
        }
    }
}
