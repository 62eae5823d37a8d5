using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Addressing;
using VirtualIp.Hosting;
using VirtualIp.Simulation;

namespace VirtualIp.Tests.Hosting;

/// <summary>
/// What the hosting tests share: hosts built from configuration on the in-memory LAN, all on one
/// <see cref="FakeTimeProvider"/> that <see cref="WaitForAsync"/> and <see cref="RunAsync"/> advance in 1 ms steps (so
/// durations are protocol time, not machine time; a real deadline only guards against a hang).
/// </summary>
internal sealed class SimulatedHostLab
{
    /// <summary>The clock every host of the lab runs on.</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A LAN with n1 (192.0.2.11) and n2 (192.0.2.12).</summary>
    public static (SimulatedLan Lan, SimulatedNode N1, SimulatedNode N2) TwoNodes()
    {
        var lan = new SimulatedLan();
        return (lan, lan.AddNode("n1", IPAddress.Parse("192.0.2.11"), MacAddress.Parse("02:00:00:00:00:01")),
            lan.AddNode("n2", IPAddress.Parse("192.0.2.12"), MacAddress.Parse("02:00:00:00:00:02")));
    }

    /// <summary>One router "web" (VRID 51, 50 ms adverts, VIP 192.0.2.100/24) at <paramref name="priority"/>, one
    /// announcement burst.</summary>
    public static Dictionary<string, string?> RouterConfig(int priority, string? auditPath = null) => new()
    {
        ["VirtualIp:Routers:0:Name"] = "web",
        ["VirtualIp:Routers:0:Interface"] = SimulatedNode.InterfaceName,
        ["VirtualIp:Routers:0:VirtualRouterId"] = "51",
        ["VirtualIp:Routers:0:Priority"] = priority.ToString(CultureInfo.InvariantCulture),
        ["VirtualIp:Routers:0:AdvertisementInterval"] = "50ms",
        ["VirtualIp:Routers:0:Vips:0"] = "192.0.2.100/24",
        ["VirtualIp:Announcements:SecondBurstDelay"] = "0s",
        ["VirtualIp:Announcements:BurstCount"] = "1",
        ["VirtualIp:AuditLogPath"] = auditPath,
    };

    /// <summary>An empty host builder whose <see cref="TimeProvider"/> is the lab's clock.</summary>
    public HostApplicationBuilder CreateBuilder()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(Time);
        return builder;
    }

    /// <summary>A host on <paramref name="node"/> configured from the "VirtualIp" section of <paramref name="config"/>.</summary>
    public IHost Build(SimulatedNode node, IEnumerable<KeyValuePair<string, string?>> config, Action<IServiceCollection>? services = null)
    {
        var builder = CreateBuilder();
        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddVirtualIp(builder.Configuration.GetSection("VirtualIp")).UsePlatform(node);
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>Advances the clock 1 ms at a time (letting the hosts' tasks run between steps) until
    /// <paramref name="condition"/> holds; fails after 60 s of protocol time or 30 s of real time.</summary>
    public async Task WaitForAsync(Func<bool> condition, string what)
    {
        var start = Time.GetUtcNow();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline && Time.GetUtcNow() - start < TimeSpan.FromSeconds(60), $"timed out waiting for {what}");
            Time.Advance(TimeSpan.FromMilliseconds(1));
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Runs the clock for <paramref name="span"/> in 1 ms steps, calling <paramref name="everyStep"/> before each.</summary>
    public async Task RunAsync(TimeSpan span, Action? everyStep = null)
    {
        var end = Time.GetUtcNow() + span;
        while (Time.GetUtcNow() < end)
        {
            everyStep?.Invoke();
            Time.Advance(TimeSpan.FromMilliseconds(1));
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
    }
}
