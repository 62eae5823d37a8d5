using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Addressing;
using VirtualIp.Events;
using VirtualIp.Hosting;
using VirtualIp.Pools;
using VirtualIp.Simulation;

namespace VirtualIp.Tests.Hosting;

/// <summary>Leased VIPs through the DI surface: bound and announced on the holder, unbound on release and expiry, bound again after a restart.</summary>
public sealed class PoolHostingTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vip-poolhost-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Delete(recursive: true);

    private IHost BuildHost(SimulatedNode node, TimeProvider? time = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VirtualIp:Pools:0:Name"] = "svc",
            ["VirtualIp:Pools:0:Ranges:0"] = "192.0.2.64/29",
            ["VirtualIp:Pools:0:Interface"] = SimulatedNode.InterfaceName,
            ["VirtualIp:Pools:0:LeaseDuration"] = "1m",
            ["VirtualIp:Leases:JournalPath"] = Path.Combine(_dir.FullName, "leases.journal"),
            ["VirtualIp:Leases:NodeId"] = "n1",
            ["VirtualIp:Announcements:SecondBurstDelay"] = "0s",
            ["VirtualIp:Announcements:BurstCount"] = "1",
            ["VirtualIp:AuditLogPath"] = Path.Combine(_dir.FullName, "audit.jsonl"),
        });
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddVirtualIp(builder.Configuration.GetSection("VirtualIp")).UsePlatform(node);
        return builder.Build();
    }

    private static SimulatedNode Node() => new SimulatedLan().AddNode("n1", IPAddress.Parse("192.0.2.11"), MacAddress.Parse("02:00:00:00:00:01"));

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task An_acquired_vip_is_bound_and_announced_and_release_unbinds_it_with_events_metrics_and_audit()
    {
        var node = Node();
        using var host = BuildHost(node);
        var events = new List<VirtualIpEvent>();
        host.Services.GetRequiredService<IVirtualIpEvents>().Published += (_, e) =>
        {
            lock (events)
            {
                events.Add(e);
            }
        };
        var factory = host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var acquisitions = new MetricCollector<long>(factory, VirtualIp.Diagnostics.VirtualIpMeters.Core, "virtualip.pool.acquisitions");
        using var inUse = new MetricCollector<long>(factory, VirtualIp.Diagnostics.VirtualIpMeters.Core, "virtualip.pool.address.count");
        await host.StartAsync(Ct);
        var pool = host.Services.GetRequiredService<IVirtualIpRuntime>().GetPool("svc");
        var lease = await pool.AcquireAsync("web-1", Ct);
        Assert.Equal(IPAddress.Parse("192.0.2.65"), lease.Vip.Address);
        await WaitForAsync(() => node.Holds(lease.Vip.Address), "the leased VIP bound");
        inUse.RecordObservableInstruments();
        Assert.Equal(1, inUse.GetMeasurementSnapshot().Last(m => Equals(m.Tags["virtualip.pool.address.state"], "used")).Value);
        Assert.Equal("svc", inUse.LastMeasurement!.Tags["virtualip.pool.name"]);
        Assert.True(await pool.ReleaseAsync("web-1", Ct));
        await WaitForAsync(() => !node.Holds(lease.Vip.Address), "the released VIP unbound");
        await host.StopAsync(Ct);

        string[] kinds;
        lock (events)
        {
            kinds = [.. events.Select(e => e.Kind)];
        }

        Assert.Equal(["vip-lease-acquired", "vip-added", "vip-lease-released", "vip-removed"], kinds);
        Assert.Equal(1, acquisitions.GetMeasurementSnapshot().Sum(m => m.Value));
        var audit = await File.ReadAllLinesAsync(Path.Combine(_dir.FullName, "audit.jsonl"), Ct);
        Assert.Contains(audit, l => l.Contains("\"kind\":\"vip-lease-acquired\"", StringComparison.Ordinal) && l.Contains("\"holder\":\"web-1\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_restarted_node_binds_again_what_it_still_holds()
    {
        var node = Node();
        VipLease lease;
        using (var host = BuildHost(node))
        {
            await host.StartAsync(Ct);
            lease = await host.Services.GetRequiredService<IVirtualIpRuntime>().GetPool("svc").AcquireAsync("web-1", Ct);
            await WaitForAsync(() => node.Holds(lease.Vip.Address), "the leased VIP bound");
            await host.StopAsync(Ct);
        }

        Assert.False(node.Holds(lease.Vip.Address)); // a stopped node serves nothing...
        using (var host = BuildHost(node))
        {
            await host.StartAsync(Ct);
            await WaitForAsync(() => node.Holds(lease.Vip.Address), "the VIP bound again after the restart"); // ...and takes it back
            var pool = host.Services.GetRequiredService<IVirtualIpRuntime>().GetPool("svc");
            Assert.Equal(1, pool.ActiveLeases);
            Assert.Equal(lease.Vip, (await pool.AcquireAsync("web-1", Ct)).Vip);
            await host.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task A_lease_that_is_not_renewed_expires_and_its_vip_is_unbound()
    {
        var node = Node();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var host = BuildHost(node, time);
        var expired = new TaskCompletionSource<VipLeaseChangedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Services.GetRequiredService<IVirtualIpEvents>().Published += (_, e) =>
        {
            if (e is VipLeaseChangedEvent { Change: VipLeaseChange.Expired } x)
            {
                expired.TrySetResult(x);
            }
        };
        await host.StartAsync(Ct);
        var lease = await host.Services.GetRequiredService<IVirtualIpRuntime>().GetPool("svc").AcquireAsync("web-1", Ct);
        await WaitForAsync(() => node.Holds(lease.Vip.Address), "the leased VIP bound");
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(expired.Task.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2)); // past LeaseDuration: the next sweep expires it
        var e = await expired.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(("web-1", "not renewed"), (e.Holder, e.Reason));
        await WaitForAsync(() => !node.Holds(lease.Vip.Address), "the expired VIP unbound");
        await host.StopAsync(Ct);
    }
}
