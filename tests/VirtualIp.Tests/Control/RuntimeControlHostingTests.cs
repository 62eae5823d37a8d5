using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VirtualIp.Control;
using VirtualIp.Hosting;
using VirtualIp.Simulation;
using VirtualIp.Tests.Hosting;

namespace VirtualIp.Tests.Control;

/// <summary>Runtime control through the DI surface: <see cref="IVirtualIpRuntime.GetControl"/> and the audit trail.</summary>
public sealed class RuntimeControlHostingTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("192.0.2.100");
    private readonly SimulatedHostLab _lab = new();

    private IHost BuildHost(SimulatedNode node, int priority, string? auditPath = null) =>
        _lab.Build(node, SimulatedHostLab.RouterConfig(priority, auditPath));

    private Task WaitForAsync(Func<bool> condition, string what) => _lab.WaitForAsync(condition, what);

    [Fact]
    public async Task Resign_through_the_runtime_moves_the_vip_and_is_audited_with_who_and_why()
    {
        var (_, n1, n2) = SimulatedHostLab.TwoNodes();
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
