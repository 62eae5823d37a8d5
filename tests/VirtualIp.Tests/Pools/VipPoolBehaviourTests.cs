using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Addressing;
using VirtualIp.Hosting;
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
        return new VipPool(o, time);
    }

    [Fact]
    public async Task Concurrent_holders_never_share_an_address_and_exhaustion_is_exact()
    {
        var pool = Pool(new FakeTimeProvider(), "198.51.100.1-198.51.100.64");
        var granted = new ConcurrentBag<VipLease>();
        int refused = 0;
        using var start = new Barrier(4);
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            start.SignalAndWait(TestContext.Current.CancellationToken);
            for (int i = 0; i < 25; i++)
            {
                var lease = pool.Acquire($"w{w}-{i}");
                if (lease is null)
                {
                    Interlocked.Increment(ref refused);
                }
                else
                {
                    granted.Add(lease);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        Assert.Equal(64, granted.Count);                           // the pool's capacity, no more
        Assert.Equal(100 - 64, refused);                           // every other request refused (null), none thrown
        Assert.Equal(64, granted.Select(l => l.Vip).Distinct().Count()); // no address leased twice
        Assert.Equal(64, pool.ActiveLeases);
        Assert.All(granted, l => Assert.Equal(l.Holder, pool.Find(l.Vip.Address)!.Holder));
    }

    [Fact]
    public async Task Concurrent_release_and_acquire_keep_the_books_straight()
    {
        var pool = Pool(new FakeTimeProvider(), "198.51.100.1-198.51.100.8");
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (int i = 0; i < 500; i++)
            {
                var holder = $"w{w}";
                var lease = pool.Acquire(holder);
                Assert.NotNull(lease); // 4 holders, 8 addresses: never exhausted
                Assert.Equal(holder, pool.Find(lease.Vip.Address)!.Holder);
                Assert.True(pool.Release(holder));
            }
        })).ToArray();
        await Task.WhenAll(workers);
        Assert.Equal(0, pool.ActiveLeases);
    }

    [Fact]
    public void An_expired_lease_is_kept_through_the_grace_period_then_freed()
    {
        var time = new FakeTimeProvider();
        var pool = Pool(time, "198.51.100.1-198.51.100.1", grace: TimeSpan.FromMinutes(2));
        var lease = pool.Acquire("a")!;
        time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromMinutes(2) - TimeSpan.FromTicks(1));
        Assert.Null(pool.Acquire("b"));                   // expired, but still inside the grace: not reassigned
        Assert.Equal(lease.Vip, pool.Renew("a")!.Vip);    // and its holder can still renew it

        time.Advance(TimeSpan.FromMinutes(12));
        Assert.Null(pool.Renew("a"));                     // past expiry + grace: gone
        var b = pool.Acquire("b");
        Assert.NotNull(b);
        Assert.Equal(lease.Vip, b.Vip);                   // and the address is free for another holder
    }

    [Fact]
    public void An_exhausted_pool_recovers_when_a_lease_expires()
    {
        var time = new FakeTimeProvider();
        var pool = Pool(time, "198.51.100.1-198.51.100.2");
        Assert.NotNull(pool.Acquire("a"));
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.NotNull(pool.Acquire("b"));
        Assert.Null(pool.Acquire("c"));
        time.Advance(TimeSpan.FromMinutes(5));            // a's lease (10 min) ends now; b's has 5 min left
        var c = pool.Acquire("c");
        Assert.NotNull(c);
        Assert.Equal(IPAddress.Parse("198.51.100.1"), c.Vip.Address); // the address a held
        Assert.Equal("c", pool.Find(IPAddress.Parse("198.51.100.1"))!.Holder);
        Assert.Equal(2, pool.ActiveLeases);
    }

    [Fact]
    public async Task GetPool_returns_the_configured_pool_and_names_an_unknown_one()
    {
        var lan = new SimulatedLan();
        var node = lan.AddNode("n1", IPAddress.Parse("192.0.2.11"), MacAddress.Parse("02:00:00:00:00:01"));
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VirtualIp:Pools:0:Name"] = "services",
            ["VirtualIp:Pools:0:Ranges:0"] = "198.51.100.10-198.51.100.11",
            ["VirtualIp:Pools:0:LeaseDuration"] = "00:05:00",
        });
        builder.Services.AddVirtualIp(builder.Configuration.GetSection("VirtualIp")).UsePlatform(node);
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var runtime = host.Services.GetRequiredService<IVirtualIpRuntime>();
        var pool = runtime.GetPool("services");
        Assert.Equal(2, pool.Capacity);
        Assert.Equal(TimeSpan.FromMinutes(5), pool.Options.LeaseDuration);
        Assert.Equal(IPAddress.Parse("198.51.100.10"), pool.Acquire("api")!.Vip.Address);
        var ex = Assert.Throws<KeyNotFoundException>(() => runtime.GetPool("nope"));
        Assert.Contains("'nope'", ex.Message, StringComparison.Ordinal);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }
}
