using System.Buffers.Binary;
using System.Net;
using System.Text;
using VirtualIp.Balancing.Scheduling;
using VirtualIp.Scheduling;
using static VirtualIp.Balancing.Tests.Scheduling.SchedulerTestData;

namespace VirtualIp.Balancing.Tests.Scheduling;

public sealed class SchedulerBehaviourTests
{
    [Fact]
    public void Factory_knows_every_name_and_rejects_unknown()
    {
        var f = new BackendSchedulerFactory();
        foreach (var name in AllNames)
        {
            Assert.Equal(name, f.Create(name).Name);
        }

        var ex = Assert.Throws<ArgumentException>(() => f.Create("fastest"));
        Assert.Contains("fastest", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BackendSchedulerFactory(65536));
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(SchedulerTestData))]
    public void Empty_set_and_all_unavailable_give_null(string name)
    {
        var s = new BackendSchedulerFactory().Create(name);
        Assert.Null(s.Pick(new PickContext(42UL)));
        var b = Make(3);
        s.Update(new BackendSet(b));
        b[0].IsHealthy = false;
        b[1].IsDraining = true;
        b[2].IsHealthy = false;
        Assert.Null(s.Pick(new PickContext(42UL)));
        Assert.Null(s.Pick(default));
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(SchedulerTestData))]
    public void Unavailable_backends_are_never_picked(string name)
    {
        var b = Make(10);
        var s = Create(name, b);
        b[3].IsHealthy = false;
        b[7].IsDraining = true;
        for (int i = 0; i < 5000; i++)
        {
            var p = s.Pick(new PickContext((ulong)i));
            Assert.NotNull(p);
            Assert.NotSame(b[3], p);
            Assert.NotSame(b[7], p);
        }
    }

    [Fact]
    public void Backend_rejects_bad_weight_and_set_rejects_duplicate_names()
    {
        var ep = new IPEndPoint(IPAddress.Loopback, 1);
        Assert.Contains("127.0.0.1:1", Assert.Throws<ArgumentOutOfRangeException>(() => new Backend(ep, 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backend(ep, Backend.MaxWeight + 1));
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => new BackendSet([new Backend(ep), new Backend(ep)])).Message);
    }

    [Fact]
    public void Round_robin_visits_each_in_turn()
    {
        var b = Make(4);
        var s = Create(BackendSchedulerNames.RoundRobin, b);
        for (int i = 0; i < 12; i++)
        {
            Assert.Same(b[i % 4], s.Pick(default));
        }
    }

    [Fact]
    public void Smooth_weighted_round_robin_matches_nginx_sequence_and_exact_ratios()
    {
        var b = Make(3, i => i == 0 ? 5 : 1);
        var s = Create(BackendSchedulerNames.WeightedRoundRobin, b);
        var seq = string.Concat(Enumerable.Range(0, 7).Select(_ => (char)('a' + Array.IndexOf(b, s.Pick(default)))));
        Assert.Equal("aabacaa", seq);

        var w = Make(4, i => (i + 1) * 3); // 3, 6, 9, 12 -> 1:2:3:4 after GCD
        s.Update(new BackendSet(w));
        var counts = new int[4];
        for (int i = 0; i < 10 * 1000; i++)
        {
            counts[Array.IndexOf(w, s.Pick(default))]++;
        }

        Assert.Equal([1000, 2000, 3000, 4000], counts);
    }

    [Fact]
    public void Random_follows_weights_within_two_percent()
    {
        var b = Make(3, i => i + 1); // shares 1/6, 2/6, 3/6
        var s = Create(BackendSchedulerNames.Random, b);
        const int N = 120_000;
        var counts = new int[3];
        for (int i = 0; i < N; i++)
        {
            counts[Array.IndexOf(b, s.Pick(default))]++;
        }

        for (int i = 0; i < 3; i++)
        {
            Assert.InRange(counts[i] / (double)N, ((i + 1) / 6.0) - 0.02, ((i + 1) / 6.0) + 0.02);
        }
    }

    [Fact]
    public void Random_alias_table_matches_many_uneven_weights()
    {
        var b = Make(20, i => (i % 4) + 1 + (i == 7 ? 20 : 0));
        double total = b.Sum(x => x.Weight);
        var s = Create(BackendSchedulerNames.Random, b);
        const int N = 400_000;
        var counts = new int[b.Length];
        for (int i = 0; i < N; i++)
        {
            counts[Array.IndexOf(b, s.Pick(default))]++;
        }

        for (int i = 0; i < b.Length; i++)
        {
            double expected = b[i].Weight / total;
            Assert.InRange(counts[i] / (double)N, expected * 0.9, expected * 1.1);
        }
    }

    [Fact]
    public void Power_of_two_spreads_evenly_and_avoids_the_loaded_backend()
    {
        var b = Make(10);
        var s = Create(BackendSchedulerNames.PowerOfTwoChoices, b);
        const int N = 100_000;
        var counts = new int[10];
        for (int i = 0; i < N; i++)
        {
            counts[Array.IndexOf(b, s.Pick(default))]++;
        }

        // Equal load: every backend within 10% of the mean.
        Assert.All(counts, c => Assert.InRange(c, N / 10 * 0.9, N / 10 * 1.1));

        b[4].IncrementInFlight();
        for (int i = 0; i < 10_000; i++)
        {
            Assert.NotSame(b[4], s.Pick(default));
        }
    }

    [Fact]
    public void Least_connections_picks_the_least_loaded_and_weighted_divides_by_weight()
    {
        var b = Make(3);
        var s = Create(BackendSchedulerNames.LeastConnections, b);
        b[0].IncrementInFlight();
        b[0].IncrementInFlight();
        b[1].IncrementInFlight();
        b[2].IncrementInFlight();
        b[2].IncrementInFlight();
        Assert.Same(b[1], s.Pick(default));

        var w = Make(2, i => i == 0 ? 1 : 4);
        var ws = Create(BackendSchedulerNames.WeightedLeastConnections, w);
        w[1].IncrementInFlight();
        w[1].IncrementInFlight(); // (2+1)/4 < (0+1)/1: the heavy backend still wins
        Assert.Same(w[1], ws.Pick(default));
        w[1].IncrementInFlight();
        w[1].IncrementInFlight(); // (4+1)/4 > 1/1
        Assert.Same(w[0], ws.Pick(default));

        // Simulate: each pick takes a connection; the shares converge to the weights 1:4.
        var w2 = Make(2, i => i == 0 ? 1 : 4);
        ws.Update(new BackendSet(w2));
        for (int i = 0; i < 500; i++)
        {
            ws.Pick(default)!.IncrementInFlight();
        }

        Assert.InRange(w2[1].InFlight, 398, 402);
    }

    [Fact]
    public void Source_hash_is_sticky_and_even()
    {
        var b = Make(10);
        var s = Create(BackendSchedulerNames.SourceHash, b);
        Span<byte> addr = stackalloc byte[4];
        var counts = new int[10];
        for (int i = 0; i < 100_000; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(addr, unchecked((int)0xC6336400) + i); // 198.51.100.0 + i
            var first = s.Pick(new PickContext(addr));
            Assert.Same(first, s.Pick(new PickContext(addr)));
            counts[Array.IndexOf(b, first)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 9_000, 11_000));
    }

    [Fact]
    public void Xxhash64_matches_published_vectors()
    {
        // The published xxHash64 vectors (seed 0), through the two entry points the schedulers use.
        Assert.Equal(0xEF46DB3751D8E999UL, StableHash.OfName(""));
        Assert.Equal(0xD24EC4F1A98C6E5BUL, StableHash.OfName("a"));
        Assert.Equal(0x44BC2CF5AD770999UL, StableHash.OfKey(new PickContext("abc"u8)));
        var longText = Encoding.ASCII.GetBytes("Nobody inspects the spammish repetition");
        Assert.Equal(0xFBCEA83C8A378BF1UL, StableHash.OfKey(new PickContext(longText)));
        Assert.Equal(0xFBCEA83C8A378BF1UL, StableHash.OfName("Nobody inspects the spammish repetition"));
    }

    [Fact]
    public void Rendezvous_moves_only_the_keys_of_a_removed_backend_and_follows_weights()
    {
        var b = Make(10);
        var s = Create(BackendSchedulerNames.Rendezvous, b);
        const int N = 50_000;
        var before = new Backend[N];
        for (int i = 0; i < N; i++)
        {
            before[i] = s.Pick(new PickContext((ulong)i))!;
        }

        s.Update(new BackendSet(b.Where((_, i) => i != 6)));
        for (int i = 0; i < N; i++)
        {
            var after = s.Pick(new PickContext((ulong)i))!;
            if (!ReferenceEquals(before[i], b[6]))
            {
                Assert.Same(before[i], after);
            }
        }

        var w = Make(2, i => i == 0 ? 1 : 3);
        s.Update(new BackendSet(w));
        int heavy = 0;
        for (int i = 0; i < N; i++)
        {
            heavy += s.Pick(new PickContext((ulong)i)) == w[1] ? 1 : 0;
        }

        Assert.InRange(heavy / (double)N, 0.73, 0.77);
    }
}
