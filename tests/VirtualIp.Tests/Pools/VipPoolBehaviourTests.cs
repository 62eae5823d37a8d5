using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Addressing;
using VirtualIp.Hosting;
using VirtualIp.Leasing;
using VirtualIp.Pools;
using VirtualIp.Simulation;

namespace VirtualIp.Tests.Pools;

/// <summary>The pool's public behaviour: concurrency, expiry with grace, exhaustion and recovery, and GetPool.</summary>
public sealed class VipPoolBehaviourTests
{
    private static VipPool Pool(FakeTimeProvider time, string range, TimeSpan? grace = null)
    {
        var o = new VipPoolOptions { Name = "p", LeaseDuration = TimeSpan.FromMinutes(10), ExpiryGrace = grace ?? TimeSpan.Zero };
        o.Ranges.Add(range);
        return new VipPool(o, timeProvider: time);
    }

    [Fact]
    public async Task Concurrent_holders_never_share_an_address_and_exhaustion_is_exact()
    {
        var pool = Pool(new FakeTimeProvider(), "198.51.100.1-198.51.100.64");
        var granted = new ConcurrentBag<VipLease>();
        int refused = 0;
        using var start = new Barrier(4);
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            start.SignalAndWait(TestContext.Current.CancellationToken);
            for (int i = 0; i < 25; i++)
            {
                try
                {
                    granted.Add(await pool.AcquireAsync($"w{w}-{i}", TestContext.Current.CancellationToken));
                }
                catch (VipPoolExhaustedException)
                {
                    Interlocked.Increment(ref refused);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        Assert.Equal(64, granted.Count);                           // the pool's capacity, no more
        Assert.Equal(100 - 64, refused);                           // every other request refused with the typed exhaustion error
        Assert.Equal(64, granted.Select(l => l.Vip).Distinct().Count()); // no address leased twice
        Assert.Equal(64, pool.ActiveLeases);
        Assert.All(granted, l => Assert.Equal(l.Holder, pool.Find(l.Vip.Address)!.Holder));
    }

    [Fact]
    public async Task Concurrent_release_and_acquire_keep_the_books_straight()
    {
        var pool = Pool(new FakeTimeProvider(), "198.51.100.1-198.51.100.8");
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < 500; i++)
            {
                var holder = $"w{w}";
                var lease = await pool.AcquireAsync(holder, TestContext.Current.CancellationToken); // 4 holders, 8 addresses: never exhausted
                Assert.Equal(holder, pool.Find(lease.Vip.Address)!.Holder);
                Assert.True(await pool.ReleaseAsync(holder, TestContext.Current.CancellationToken));
            }
        })).ToArray();
        await Task.WhenAll(workers);
        Assert.Equal(0, pool.ActiveLeases);
    }

    [Fact]
    public async Task An_expired_lease_is_kept_through_the_grace_period_then_freed()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        var pool = Pool(time, "198.51.100.1-198.51.100.1", grace: TimeSpan.FromMinutes(2));
        var lease = await pool.AcquireAsync("a", ct);
        time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromMinutes(2) - TimeSpan.FromTicks(1));
        await Assert.ThrowsAsync<VipPoolExhaustedException>(async () => await pool.AcquireAsync("b", ct)); // expired, but inside the grace: not reassigned
        Assert.Equal(lease.Vip, (await pool.RenewAsync("a", ct))!.Vip); // and its holder can still renew it

        time.Advance(TimeSpan.FromMinutes(13));           // the renewal ran 10 min from then; 13 min is past it + the grace
        var b = await pool.AcquireAsync("b", ct);
        Assert.Equal(lease.Vip, b.Vip);                   // past expiry + grace the address is free for another holder
        Assert.Null(await pool.RenewAsync("a", ct));      // and a's lease is gone
    }

    [Fact]
    public async Task An_exhausted_pool_recovers_when_a_lease_expires()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        var pool = Pool(time, "198.51.100.1-198.51.100.2");
        await pool.AcquireAsync("a", ct);
        time.Advance(TimeSpan.FromMinutes(5));
        await pool.AcquireAsync("b", ct);
        await Assert.ThrowsAsync<VipPoolExhaustedException>(async () => await pool.AcquireAsync("c", ct));
        time.Advance(TimeSpan.FromMinutes(5));            // a's lease (10 min) ends now; b's has 5 min left
        var c = await pool.AcquireAsync("c", ct);
        Assert.Equal(IPAddress.Parse("198.51.100.1"), c.Vip.Address); // the address a held
        Assert.Equal("c", pool.Find(IPAddress.Parse("198.51.100.1"))!.Holder);
        Assert.Equal(2, pool.ActiveLeases);
    }

    [Fact]
    public async Task GetPool_returns_the_configured_pool_and_names_an_unknown_one()
    {
        var lan = new SimulatedLan();
        var node = lan.AddNode("n1", IPAddress.Parse("192.0.2.11"), MacAddress.Parse("02:00:00:00:00:01"));
        string journal = Path.Combine(Path.GetTempPath(), $"virtualip-getpool-{Guid.NewGuid():N}.journal");
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VirtualIp:Pools:0:Name"] = "services",
            ["VirtualIp:Pools:0:Ranges:0"] = "198.51.100.10-198.51.100.11",
            ["VirtualIp:Pools:0:LeaseDuration"] = "00:05:00",
            ["VirtualIp:Leases:JournalPath"] = journal,
        });
        builder.Services.AddVirtualIp(builder.Configuration.GetSection("VirtualIp")).UsePlatform(node);
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var runtime = host.Services.GetRequiredService<IVirtualIpRuntime>();
        var pool = runtime.GetPool("services");
        Assert.Equal(2, pool.Capacity);
        Assert.Equal(TimeSpan.FromMinutes(5), pool.Options.LeaseDuration);
        Assert.Equal(IPAddress.Parse("198.51.100.10"), (await pool.AcquireAsync("api", TestContext.Current.CancellationToken)).Vip.Address);
        var ex = Assert.Throws<KeyNotFoundException>(() => runtime.GetPool("nope"));
        Assert.Contains("'nope'", ex.Message, StringComparison.Ordinal);
        await host.StopAsync(TestContext.Current.CancellationToken);
        File.Delete(journal);
    }
}
