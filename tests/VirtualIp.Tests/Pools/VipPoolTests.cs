using System.Net;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Pools;

namespace VirtualIp.Tests.Pools;

public sealed class VipPoolTests
{
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
    public void Cidr_skips_network_and_broadcast_and_reserved()
    {
        var o = Options("192.0.2.0/30");
        o.Reserved.Add("192.0.2.1");
        var pool = new VipPool(o, new FakeTimeProvider());
        Assert.Equal(1, pool.Capacity);
        Assert.Equal(IPAddress.Parse("192.0.2.2"), pool.Acquire("a")!.Vip.Address);
        Assert.Null(pool.Acquire("b"));
    }

    [Fact]
    public void Same_holder_gets_same_lease_and_renewal_extends_it()
    {
        var time = new FakeTimeProvider();
        var pool = new VipPool(Options("198.51.100.10-198.51.100.12"), time);
        var first = pool.Acquire("svc")!;
        time.Advance(TimeSpan.FromMinutes(5));
        var again = pool.Acquire("svc")!;
        Assert.Equal(first.Vip, again.Vip);
        Assert.Equal(first.ExpiresAt + TimeSpan.FromMinutes(5), again.ExpiresAt);
        Assert.Equal(1, pool.ActiveLeases);
    }

    [Fact]
    public void Expired_leases_return_to_the_pool_and_holders_are_sticky()
    {
        var time = new FakeTimeProvider();
        var pool = new VipPool(Options("198.51.100.10-198.51.100.11"), time);
        var a = pool.Acquire("a")!;
        var b = pool.Acquire("b")!;
        Assert.NotEqual(a.Vip, b.Vip);
        Assert.Null(pool.Acquire("c"));
        time.Advance(TimeSpan.FromMinutes(11));
        Assert.Null(pool.Renew("a"));
        Assert.Equal(0, pool.ActiveLeases);
        Assert.Equal(b.Vip, pool.Acquire("b")!.Vip); // sticky
        Assert.Equal(a.Vip, pool.Acquire("a")!.Vip);
    }

    [Fact]
    public void Release_frees_the_address()
    {
        var pool = new VipPool(Options("2001:db8::100/127"), new FakeTimeProvider());
        var a = pool.Acquire("a")!;
        Assert.Equal(128, a.Vip.PrefixLength);
        Assert.True(pool.Release("a"));
        Assert.False(pool.Release("a"));
        Assert.Null(pool.Find(a.Vip.Address));
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
    public void Mixed_families_are_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => new VipPool(Options("192.0.2.0/29", "2001:db8::/120")));
        Assert.Contains("mixes IPv4 and IPv6", ex.Message);
    }
}
