using Microsoft.Extensions.Time.Testing;
using VirtualIp.Health;

namespace VirtualIp.Balancing.Tests.Floating;

/// <summary>An application's own backend verdicts (the forwarder takes a backend out while this says unhealthy).</summary>
internal sealed class TestBackendHealth : IBackendHealthSource
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _healthy = new(StringComparer.Ordinal);

    public event BackendHealthChangedHandler? BackendHealthChanged;

    public bool IsHealthy(string backendId) => _healthy.GetValueOrDefault(backendId, true);

    public void Set(string backend, bool healthy)
    {
        _healthy[backend] = healthy;
        BackendHealthChanged?.Invoke(backend, healthy, "test");
    }
}

/// <summary>Drives a simulated LAN's fake clock 1 ms at a time until a condition holds (60 s of fake time, 30 s of real time at most).</summary>
internal static class FakeClockWait
{
    public static async Task UntilAsync(FakeTimeProvider time, Func<bool> condition, string what)
    {
        var start = time.GetUtcNow();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline && time.GetUtcNow() - start < TimeSpan.FromSeconds(60), $"timed out waiting for {what}");
            time.Advance(TimeSpan.FromMilliseconds(1));
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
    }
}
