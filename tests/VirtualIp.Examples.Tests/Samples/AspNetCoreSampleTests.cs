using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Election;
using VirtualIp.Hosting;

namespace VirtualIp.Examples.Tests.Samples;

/// <summary>
/// samples/VirtualIp.AspNetCore in memory (WebApplicationFactory) on its simulated platform and a fake clock: /health is
/// healthy as backup and master, /health/ready only once master, and /metrics carries one VIP state series per state.
/// </summary>
public sealed class AspNetCoreSampleTests
{
    [Fact]
    public async Task Health_follows_the_router_and_metrics_carry_the_state_series()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Sample:Platform", "simulated");
            b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(time));
        });
        using var client = factory.CreateClient();
        var ct = TestContext.Current.CancellationToken;
        var router = factory.Services.GetRequiredService<IVirtualIpRuntime>().Routers.Single();
        Assert.Equal(VrrpState.Backup, router.State); // alone on its LAN, it waits Master_Down_Interval (3.6 s) first

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", ct)).StatusCode);
        var notReady = await client.GetAsync("/health/ready", ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal("Unhealthy", await notReady.Content.ReadAsStringAsync(ct));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (router.State != VrrpState.Master)
        {
            Assert.True(DateTime.UtcNow < deadline && time.GetUtcNow().Year == 2026, "timed out waiting for master");
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(1, ct);
        }

        var live = await client.GetAsync("/health", ct);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync(ct));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready", ct)).StatusCode);

        var metrics = await client.GetStringAsync("/metrics", ct);
        var series = metrics.Split('\n')
            .Where(l => l.StartsWith("virtualip_vrrp_state{", StringComparison.Ordinal) && l.Contains("virtualip_router_name=\"web\"", StringComparison.Ordinal))
            .ToDictionary(StateLabel, Value);
        Assert.Equal(new Dictionary<string, double> { ["initialize"] = 0, ["backup"] = 0, ["master"] = 1, ["fault"] = 0 }, series);
        Assert.Contains("# TYPE virtualip_vrrp_transitions_total counter", metrics, StringComparison.Ordinal);
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("virtualip_vrrp_priority{", StringComparison.Ordinal) && Value(l) == 150);
    }

    private static string StateLabel(string line)
    {
        const string Key = "virtualip_vrrp_state=\"";
        int start = line.IndexOf(Key, StringComparison.Ordinal) + Key.Length;
        return line[start..line.IndexOf('"', start)];
    }

    // "name{labels} VALUE [TIMESTAMP]"
    private static double Value(string line) =>
        double.Parse(line[(line.LastIndexOf('}') + 2)..].Split(' ')[0], CultureInfo.InvariantCulture);
}
