using System.Net;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Balancing.Forwarding;

namespace VirtualIp.Balancing.Tests.Forwarding;

public sealed class SourceLimiterTests
{
    [Fact]
    public void Counts_per_source_and_releases()
    {
        var l = new SourceLimiter(2, 0, 1, 100, new FakeTimeProvider());
        var a = IPAddress.Parse("198.51.100.1");
        Assert.Null(l.TryAcquire(a, out int s1));
        Assert.Null(l.TryAcquire(a, out int s2));
        Assert.Equal(TcpRefusal.SourceLimit, l.TryAcquire(a, out int s3));
        Assert.Equal(SourceLimiter.Untracked, s3);
        Assert.Null(l.TryAcquire(IPAddress.Parse("198.51.100.2"), out _));
        Assert.Null(l.TryAcquire(IPAddress.Parse("::ffff:198.51.100.3"), out _));
        l.Release(s1);
        Assert.Equal(1, l.CountOf(a));
        Assert.Null(l.TryAcquire(a, out _));
        l.Release(s2);
    }

    [Fact]
    public void Ipv6_sources_count_per_64_and_ipv4_mapped_as_ipv4()
    {
        var l = new SourceLimiter(1, 0, 1, 100, new FakeTimeProvider());
        Assert.Null(l.TryAcquire(IPAddress.Parse("2001:db8:1:2::1"), out _));
        Assert.Equal(TcpRefusal.SourceLimit, l.TryAcquire(IPAddress.Parse("2001:db8:1:2::ffff"), out _));
        Assert.Null(l.TryAcquire(IPAddress.Parse("2001:db8:1:3::1"), out _));
        Assert.Null(l.TryAcquire(IPAddress.Parse("198.51.100.7"), out _));
        Assert.Equal(TcpRefusal.SourceLimit, l.TryAcquire(IPAddress.Parse("::ffff:198.51.100.7"), out _));
    }

    [Fact]
    public void Token_bucket_refills_with_time()
    {
        var time = new FakeTimeProvider();
        var l = new SourceLimiter(0, 10, 5, 100, time);
        var a = IPAddress.Parse("198.51.100.1");
        for (int i = 0; i < 5; i++)
        {
            Assert.Null(l.TryAcquire(a, out int s));
            l.Release(s);
        }

        Assert.Equal(TcpRefusal.SourceRate, l.TryAcquire(a, out _));
        time.Advance(TimeSpan.FromMilliseconds(250)); // 2.5 tokens
        Assert.Null(l.TryAcquire(a, out _));
        Assert.Null(l.TryAcquire(a, out _));
        Assert.Equal(TcpRefusal.SourceRate, l.TryAcquire(a, out _));
    }

    [Fact]
    public void Many_sources_never_grow_the_table_and_share_the_overflow_entry()
    {
        var l = new SourceLimiter(3, 0, 1, 10, new FakeTimeProvider());
        int capacity = l.Capacity;
        int refused = 0;
        var slots = new List<int>();
        for (int i = 0; i < capacity * 2; i++)
        {
            var addr = new IPAddress((uint)IPAddress.HostToNetworkOrder(0x0A000000 + i)); // 10.0.0.0 + i, table only
            if (l.TryAcquire(addr, out int s) is null)
            {
                slots.Add(s);
            }
            else
            {
                refused++;
            }
        }

        // Sources beyond a full set share the overflow entry (3 admitted in all), the others are refused: the table
        // holds at most capacity + 1 sources whatever their number, and most entries get used before overflowing.
        Assert.Equal(capacity, l.Capacity);
        Assert.InRange(slots.Count, capacity / 2, capacity + 3);
        Assert.Equal((capacity * 2) - slots.Count, refused);
        foreach (var s in slots)
        {
            l.Release(s);
        }

        Assert.Null(l.TryAcquire(IPAddress.Parse("198.51.100.9"), out _));
    }

    [Fact]
    public void Admission_allocates_nothing()
    {
        var l = new SourceLimiter(100, 1000, 100, 1000, TimeProvider.System);
        var addrs = Enumerable.Range(1, 50).Select(i => IPAddress.Parse($"198.51.100.{i}")).ToArray();
        foreach (var a in addrs)
        {
            l.TryAcquire(a, out int s);
            l.Release(s);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 20; k++)
        {
            foreach (var a in addrs)
            {
                l.TryAcquire(a, out int s);
                l.Release(s);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
