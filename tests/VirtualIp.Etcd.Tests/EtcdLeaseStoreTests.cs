using System.Diagnostics;
using System.Net;
using VirtualIp.Leasing;
using VirtualIp.Pools;

namespace VirtualIp.Etcd.Tests;

/// <summary>The etcd lease store against a real etcd, with the lease client as separate node processes.</summary>
public sealed class EtcdLeaseStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static EtcdOptions Options(EtcdServer etcd, string prefix, int ttlSeconds = 10)
    {
        var o = new EtcdOptions { Prefix = prefix, LeaseTtl = TimeSpan.FromSeconds(ttlSeconds) };
        o.Endpoints.Add(etcd.Endpoint);
        return o;
    }

    private static async Task<IReadOnlyList<LeaseRecord>> ListAsync(EtcdServer etcd, string prefix, string pool = "pool")
    {
        await using var store = new EtcdLeaseStore(Options(etcd, prefix), node: "observer");
        return await store.ListAsync(pool, Ct);
    }

    [Fact]
    public async Task Three_processes_with_1000_concurrent_acquisitions_each_never_hand_out_an_address_twice()
    {
        using var etcd = await EtcdServer.StartAsync();
        const string Range = "10.20.0.1-10.20.7.208"; // 2,000 addresses for 3,000 requests
        var nodes = Enumerable.Range(1, 3).Select(n => new LeaseClientProcess(
            "--store", "etcd", "--etcd-endpoints", etcd.Endpoint, "--etcd-prefix", "/t1/", "--node", $"node{n}", "--range", Range,
            "--count", "1000", "--parallel", "1000", "--holder-prefix", $"n{n}-", "--hold")).ToList();
        try
        {
            foreach (var n in nodes)
            {
                await n.WaitDoneAsync(TimeSpan.FromSeconds(120));
            }

            var granted = nodes.SelectMany(n => n.Granted).ToList();
            var exhausted = nodes.Sum(n => n.Count("exhausted"));
            var unavailable = nodes.Sum(n => n.Count("unavailable"));
            Assert.Equal(0, unavailable);
            Assert.Equal(2000, granted.Count);
            Assert.Equal(granted.Count, granted.Select(g => g.Address).Distinct().Count()); // 0 duplicates
            Assert.Equal(1000, exhausted); // the rest got the typed exhaustion error
            var stored = await ListAsync(etcd, "/t1/");
            Assert.Equal(2000, stored.Count);
            var byAddress = stored.ToDictionary(r => r.Address.ToString(), r => r.Holder);
            Assert.All(granted, g => Assert.Equal(g.Holder, byAddress[g.Address]));
            TestContext.Current.TestOutputHelper?.WriteLine($"3 x 1000 acquisitions: {granted.Count} granted, 0 duplicates, {exhausted} exhausted; " +
                string.Join(", ", nodes.Select(n => n.Lines.First(l => l.StartsWith("done", StringComparison.Ordinal)))));
        }
        finally
        {
            nodes.ForEach(n => n.Dispose());
        }
    }

    [Fact]
    public async Task A_killed_holders_leases_expire_after_the_ttl_and_can_be_acquired_again()
    {
        using var etcd = await EtcdServer.StartAsync();
        const int Ttl = 2;
        using var victim = new LeaseClientProcess("--store", "etcd", "--etcd-endpoints", etcd.Endpoint, "--etcd-prefix", "/t2/", "--node", "victim",
            "--range", "198.51.100.0/26", "--count", "62", "--parallel", "62", "--lease-ttl", $"{Ttl}s", "--hold");
        await victim.WaitDoneAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(62, victim.Granted.Count);
        Assert.Equal(62, (await ListAsync(etcd, "/t2/")).Count);

        victim.Kill();
        var killed = Stopwatch.StartNew();
        while ((await ListAsync(etcd, "/t2/")).Count > 0)
        {
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(Ttl + 1), $"leases still there {killed.Elapsed} after kill -9 (TTL {Ttl}s + 1s)");
            await Task.Delay(50, Ct);
        }

        var gone = killed.Elapsed;
        using var next = new LeaseClientProcess("--store", "etcd", "--etcd-endpoints", etcd.Endpoint, "--etcd-prefix", "/t2/", "--node", "next",
            "--range", "198.51.100.0/26", "--count", "62", "--parallel", "62");
        await next.WaitDoneAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(62, next.Granted.Count);
        TestContext.Current.TestOutputHelper?.WriteLine($"kill -9 -> leases gone after {gone.TotalMilliseconds:0} ms (TTL {Ttl}s), all 62 acquired again");
    }

    [Fact]
    public async Task An_etcd_restart_mid_run_neither_doubles_nor_loses_a_lease()
    {
        using var etcd = await EtcdServer.StartAsync();
        var nodes = Enumerable.Range(1, 2).Select(n => new LeaseClientProcess(
            "--store", "etcd", "--etcd-endpoints", etcd.Endpoint, "--etcd-prefix", "/t3/", "--node", $"node{n}", "--range", "10.30.0.0/22",
            "--count", "1500", "--parallel", "20", "--holder-prefix", $"n{n}-", "--hold")).ToList();
        try
        {
            await nodes[0].WaitGrantedAsync(100, TimeSpan.FromSeconds(60));
            etcd.Stop();
            var down = Stopwatch.StartNew();
            await Task.Delay(1000, Ct);
            await etcd.StartAgainAsync();
            TestContext.Current.TestOutputHelper?.WriteLine($"etcd was down {down.ElapsedMilliseconds} ms");
            foreach (var n in nodes)
            {
                await n.WaitDoneAsync(TimeSpan.FromSeconds(180));
            }

            var granted = nodes.SelectMany(n => n.Granted).ToList();
            var unavailable = nodes.Sum(n => n.Count("unavailable"));
            var exhausted = nodes.Sum(n => n.Count("exhausted"));
            Assert.Equal(0, nodes.Sum(n => n.Count("lost")));
            Assert.Equal(granted.Count, granted.Select(g => g.Address).Distinct().Count()); // 0 doubled
            Assert.Equal(3000, granted.Count + unavailable + exhausted);
            Assert.True(granted.Count <= 1022, $"{granted.Count} granted from a pool of 1,022");
            var stored = await ListAsync(etcd, "/t3/");
            var byAddress = stored.ToDictionary(r => r.Address.ToString(), r => r.Holder);
            Assert.All(granted, g => Assert.Equal(g.Holder, byAddress.GetValueOrDefault(g.Address))); // none lost
            Assert.Equal(granted.Count, stored.Count); // none granted that nobody was told about
            TestContext.Current.TestOutputHelper?.WriteLine($"etcd restart: {granted.Count} granted, 0 doubled, {unavailable} unavailable, {exhausted} exhausted");
        }
        finally
        {
            nodes.ForEach(n => n.Dispose());
        }
    }

    [Fact]
    public async Task Pools_on_two_nodes_share_the_store_sticky_and_renewable()
    {
        using var etcd = await EtcdServer.StartAsync();
        await using var s1 = new EtcdLeaseStore(Options(etcd, "/t4/"), node: "a");
        await using var s2 = new EtcdLeaseStore(Options(etcd, "/t4/"), node: "b");
        var o = new VipPoolOptions { Name = "pool", Ranges = { "192.0.2.1-192.0.2.2" } };
        await using var p1 = new VipPool(o, s1, node: "a");
        await using var p2 = new VipPool(o, s2, node: "b");
        var x = await p1.AcquireAsync("x", Ct);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await p2.AcquireAsync("x", Ct));
        Assert.Contains("granted by node 'a'", ex.Message); // one lease per holder across nodes
        var y = await p2.AcquireAsync("y", Ct);
        Assert.NotEqual(x.Vip, y.Vip);
        await Assert.ThrowsAsync<VipPoolExhaustedException>(async () => await p2.AcquireAsync("z", Ct));
        Assert.NotNull(await p1.RenewAsync("x", Ct));
        Assert.True(await p1.ReleaseAsync("x", Ct));
        Assert.Equal(x.Vip, (await p2.AcquireAsync("z", Ct)).Vip); // p2 resynchronises when its view says exhausted
        Assert.True(await p2.ReleaseAsync("z", Ct));
        Assert.Equal(x.Vip, (await p1.AcquireAsync("x", Ct)).Vip);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), await s2.FindPreviousAsync("pool", "x", Ct));
    }
}
