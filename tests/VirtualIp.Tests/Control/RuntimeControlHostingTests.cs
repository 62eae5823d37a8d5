using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Addressing;
using VirtualIp.Control;
using VirtualIp.Hosting;
using VirtualIp.Simulation;

namespace VirtualIp.Tests.Control;

/// <summary>Runtime control through the DI surface: <see cref="IVirtualIpRuntime.GetControl"/> and the audit trail.</summary>
public sealed class RuntimeControlHostingTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("192.0.2.100");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private IHost BuildHost(SimulatedNode node, int priority, string? auditPath = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VirtualIp:Routers:0:Name"] = "web",
            ["VirtualIp:Routers:0:Interface"] = SimulatedNode.InterfaceName,
            ["VirtualIp:Routers:0:VirtualRouterId"] = "51",
            ["VirtualIp:Routers:0:Priority"] = priority.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["VirtualIp:Routers:0:AdvertisementInterval"] = "50ms",
            ["VirtualIp:Routers:0:Vips:0"] = "192.0.2.100/24",
            ["VirtualIp:Announcements:SecondBurstDelay"] = "0s",
            ["VirtualIp:Announcements:BurstCount"] = "1",
            ["VirtualIp:AuditLogPath"] = auditPath,
        });
        builder.Services.AddVirtualIp(builder.Configuration.GetSection("VirtualIp")).UsePlatform(node);
        return builder.Build();
    }

    private async Task WaitForAsync(Func<bool> condition, string what)
    {
        var start = _time.GetUtcNow();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline && _time.GetUtcNow() - start < TimeSpan.FromSeconds(60), $"timed out waiting for {what}");
            _time.Advance(TimeSpan.FromMilliseconds(1));
            await Task.Delay(1);
        }
    }

    [Fact]
    public async Task Resign_through_the_runtime_moves_the_vip_and_is_audited_with_who_and_why()
    {
        var lan = new SimulatedLan();
        var n1 = lan.AddNode("n1", IPAddress.Parse("192.0.2.11"), MacAddress.Parse("02:00:00:00:00:01"));
        var n2 = lan.AddNode("n2", IPAddress.Parse("192.0.2.12"), MacAddress.Parse("02:00:00:00:00:02"));
        var path = Path.Combine(Path.GetTempPath(), $"vip-control-audit-{Guid.NewGuid():N}.jsonl");
        try
        {
            var ct = TestContext.Current.CancellationToken;
            using var h1 = BuildHost(n1, 150, path);
            using var h2 = BuildHost(n2, 100);
            var runtime = h1.Services.GetRequiredService<IVirtualIpRuntime>();
            Assert.Throws<KeyNotFoundException>(() => runtime.GetControl("web")); // before start
            await h1.StartAsync(ct);
            await h2.StartAsync(ct);
            await WaitForAsync(() => n1.Holds(Vip), "n1 master");

            var status = runtime.GetControl("web").Resign(new ControlRequest("uid=0(root)", "patching"));
            Assert.Equal(Election.VrrpState.Backup, status.State);
            await WaitForAsync(() => n2.Holds(Vip) && !n1.Holds(Vip), "the VIP on n2");
            Assert.Throws<KeyNotFoundException>(() => runtime.GetControl("db"));

            await h2.StopAsync(ct);
            await h1.StopAsync(ct);
            var lines = File.ReadAllLines(path);
            Assert.Contains(lines, l => l.Contains("\"kind\":\"router-control\"", StringComparison.Ordinal) && l.Contains("\"action\":\"Resign\"", StringComparison.Ordinal)
                && l.Contains("\"by\":\"uid=0(root)\"", StringComparison.Ordinal) && l.Contains("\"reason\":\"patching\"", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("\"kind\":\"state-changed\"", StringComparison.Ordinal) && l.Contains("\"reason\":\"Administrative\"", StringComparison.Ordinal)
                && l.Contains("resign by uid=0(root): patching", StringComparison.Ordinal));
            Assert.All(lines, l => System.Text.Json.JsonDocument.Parse(l).Dispose());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
