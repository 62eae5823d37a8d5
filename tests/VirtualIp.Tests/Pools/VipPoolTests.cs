using System.Net;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Leasing;
using VirtualIp.Pools;

namespace VirtualIp.Tests.Pools;

public sealed class VipPoolTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static VipPoolOptions Options(params string[] ranges)
    {
        var o = new VipPoolOptions { Name = "test", LeaseDuration = TimeSpan.FromMinutes(10) };
        foreach (var r in ranges)
        {
            o.Ranges.Add(r);
        }

        return o;
    }

    [Fact]
    public async Task Cidr_skips_network_and_broadcast_and_reserved_and_exhaustion_is_typed()
    {
        var o = Options("192.0.2.0/30");
        o.Reserved.Add("192.0.2.1");
        await using var pool = new VipPool(o, timeProvider: new FakeTimeProvider());
        Assert.Equal(1, pool.Capacity);
        Assert.Equal(IPAddress.Parse("192.0.2.2"), (await pool.AcquireAsync("a", Ct)).Vip.Address);
        var ex = await Assert.ThrowsAsync<VipPoolExhaustedException>(async () => await pool.AcquireAsync("b", Ct));
        Assert.Equal("test", ex.Pool);
        Assert.Equal(1, ex.Capacity);
        Assert.Equal(0, pool.Free);
        Assert.Equal(1, pool.InUse);
    }

    [Fact]
    public async Task Capacity_does_not_underflow_when_more_is_reserved_than_exists()
    {
        var o = Options("192.0.2.10-192.0.2.11");
        foreach (var r in new[] { "192.0.2.10", "192.0.2.11", "192.0.2.11", "192.0.2.12", "198.51.100.1" })
        {
            o.Reserved.Add(r); // duplicates and addresses outside the ranges must not count
        }

        await using var pool = new VipPool(o, timeProvider: new FakeTimeProvider());
        Assert.Equal(0, pool.Capacity);
        Assert.Equal(0, pool.Free);
        await Assert.ThrowsAsync<VipPoolExhaustedException>(async () => await pool.AcquireAsync("a", Ct));
    }

    [Fact]
    public async Task Same_holder_gets_same_lease_and_renewal_extends_it()
    {
        var time = new FakeTimeProvider();
        await using var pool = new VipPool(Options("198.51.100.10-198.51.100.12"), timeProvider: time);
        var first = await pool.AcquireAsync("svc", Ct);
        time.Advance(TimeSpan.FromMinutes(5));
        var again = await pool.AcquireAsync("svc", Ct);
        Assert.Equal(first.Vip, again.Vip);
        Assert.Equal(first.ExpiresAt + TimeSpan.FromMinutes(5), again.ExpiresAt);
        Assert.Equal(1, pool.ActiveLeases);
    }

    [Fact]
    public async Task Expired_leases_return_to_the_pool_and_holders_are_sticky()
    {
        var time = new FakeTimeProvider();
        await using var pool = new VipPool(Options("198.51.100.10-198.51.100.11"), timeProvider: time);
        var changes = new List<(string Holder, VipLeaseChange Change)>();
        pool.LeaseChanged += (_, e) => changes.Add((e.Lease.Holder, e.Change));
        var a = await pool.AcquireAsync("a", Ct);
        var b = await pool.AcquireAsync("b", Ct);
        Assert.NotEqual(a.Vip, b.Vip);
        await Assert.ThrowsAsync<VipPoolExhaustedException>(async () => await pool.AcquireAsync("c", Ct));
        time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(2, (await pool.ExpireAsync(Ct)).Count);
        Assert.Null(await pool.RenewAsync("a", Ct));
        Assert.Equal(0, pool.ActiveLeases);
        Assert.Equal(b.Vip, (await pool.AcquireAsync("b", Ct)).Vip); // sticky
        Assert.Equal(a.Vip, (await pool.AcquireAsync("a", Ct)).Vip);
        Assert.Equal([("a", VipLeaseChange.Acquired), ("b", VipLeaseChange.Acquired), ("a", VipLeaseChange.Expired), ("b", VipLeaseChange.Expired),
            ("b", VipLeaseChange.Acquired), ("a", VipLeaseChange.Acquired)], changes);
    }

    [Fact]
    public async Task Release_frees_the_address()
    {
        await using var pool = new VipPool(Options("2001:db8::100/127"), timeProvider: new FakeTimeProvider());
        var a = await pool.AcquireAsync("a", Ct);
        Assert.Equal(128, a.Vip.PrefixLength);
        Assert.True(await pool.ReleaseAsync("a", Ct));
        Assert.False(await pool.ReleaseAsync("a", Ct));
        Assert.Null(pool.Find(a.Vip.Address));
        Assert.Equal(2, pool.Free);
    }

    [Fact]
    public async Task A_released_address_is_reused_last_so_its_holder_finds_it_again()
    {
        await using var pool = new VipPool(Options("192.0.2.0/28"), timeProvider: new FakeTimeProvider()); // 14 addresses
        var a = await pool.AcquireAsync("a", Ct);
        await pool.ReleaseAsync("a", Ct);
        for (int i = 0; i < 13; i++)
        {
            Assert.NotEqual(a.Vip, (await pool.AcquireAsync($"other{i}", Ct)).Vip);
        }

        Assert.Equal(a.Vip, (await pool.AcquireAsync("a", Ct)).Vip);
    }

    [Fact]
    public async Task A_huge_ipv6_pool_allocates_without_scanning()
    {
        // A /64 has 2^64 addresses: any per-request scan of the range or of the leases would not finish.
        await using var pool = new VipPool(Options("2001:db8::/64"), timeProvider: new FakeTimeProvider());
        Assert.Equal(long.MaxValue, pool.Capacity);
        var seen = new HashSet<IPAddress>();
        for (int i = 0; i < 5000; i++)
        {
            Assert.True(seen.Add((await pool.AcquireAsync($"h{i}", Ct)).Vip.Address));
        }

        for (int i = 0; i < 5000; i += 2)
        {
            await pool.ReleaseAsync($"h{i}", Ct);
        }

        Assert.Equal(2500, pool.ActiveLeases);
    }

    [Fact]
    public async Task Leases_and_history_survive_a_restart_of_the_pool_on_the_journal()
    {
        var dir = Directory.CreateTempSubdirectory("vip-pool-");
        try
        {
            var path = Path.Combine(dir.FullName, "leases.journal");
            var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
            VipLease a, b;
            await using (var store = new JournalLeaseStore(path))
            {
                await using var pool = new VipPool(Options("198.51.100.0/29"), store, time, "node1");
                a = await pool.AcquireAsync("a", Ct);
                b = await pool.AcquireAsync("b", Ct);
                await pool.ReleaseAsync("b", Ct);
            }

            await using (var store = new JournalLeaseStore(path))
            {
                await using var pool = new VipPool(Options("198.51.100.0/29"), store, time, "node1");
                var recovered = new List<VipLeaseEventArgs>();
                pool.LeaseChanged += (_, e) => recovered.Add(e);
                await pool.InitializeAsync(Ct);
                var only = Assert.Single(recovered);
                Assert.Equal((a.Vip, VipLeaseChange.Acquired, "held before restart"), (only.Lease.Vip, only.Change, only.Reason));
                Assert.Equal(a.Vip, (await pool.AcquireAsync("a", Ct)).Vip);
                Assert.Equal(b.Vip, (await pool.AcquireAsync("b", Ct)).Vip); // history came back too
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("192.0.2.10-192.0.2.1")]
    [InlineData("192.0.2.1-2001:db8::1")]
    [InlineData("not-a-range")]
    public void Bad_ranges_are_named(string range)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => new VipPool(Options(range)));
        Assert.Contains(range, ex.Message);
    }

    [Fact]
    public void Overlapping_ranges_are_named()
    {
        var ex = Assert.Throws<ArgumentException>(() => new VipPool(Options("192.0.2.0/28", "192.0.2.10-192.0.2.20")));
        Assert.Contains("'192.0.2.10-192.0.2.20' overlaps", ex.Message);
    }

    [Fact]
    public void Mixed_families_are_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => new VipPool(Options("192.0.2.0/29", "2001:db8::/120")));
        Assert.Contains("mixes IPv4 and IPv6", ex.Message);
    }
}
