using BenchmarkDotNet.Attributes;
using VirtualIp.Leasing;
using VirtualIp.Pools;

namespace VirtualIp.Benchmarks.Leasing;

/// <summary>
/// One acquire + release on a /16 pool that already holds N leases (and remembers N past holders): the pool on the
/// embedded store in memory and on its journal file (fsync per change), against the pre-store pool that scanned.
/// </summary>
[MemoryDiagnoser]
public class PoolAcquireBenchmarks
{
    private LegacyVipPool _legacy = null!;
    private VipPool _memory = null!;
    private VipPool _journal = null!;
    private JournalLeaseStore _journalStore = null!;
    private string _dir = "";

    [Params(1_000, 16_000)]
    public int HeldLeases { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var o = new VipPoolOptions { Name = "bench", Ranges = { "10.0.0.0/16" }, LeaseDuration = TimeSpan.FromHours(1) };
        _legacy = new LegacyVipPool(o);
        _memory = new VipPool(o, node: "n1");
        _dir = Directory.CreateTempSubdirectory("vip-bench-").FullName;
        _journalStore = new JournalLeaseStore(Path.Combine(_dir, "leases.journal"));
        _journal = new VipPool(o, _journalStore, node: "n1");
        for (int i = 0; i < HeldLeases; i++)
        {
            _legacy.Acquire($"h{i}");
            _memory.AcquireAsync($"h{i}").AsTask().GetAwaiter().GetResult();
        }

        for (int i = 0; i < Math.Min(HeldLeases, 1_000); i++)
        {
            _journal.AcquireAsync($"h{i}").AsTask().GetAwaiter().GetResult(); // 1,000 fsyncs is enough to make the point
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _memory.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _journal.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _journalStore.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "legacy in-memory pool (scan)")]
    public bool Legacy()
    {
        _legacy.Acquire("x");
        return _legacy.Release("x");
    }

    [Benchmark(Description = "pool, embedded store in memory")]
    public bool Memory()
    {
        _memory.AcquireAsync("x").AsTask().GetAwaiter().GetResult();
        return _memory.ReleaseAsync("x").AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "pool, embedded store on its journal (2 fsyncs)")]
    public bool Journal()
    {
        _journal.AcquireAsync("x").AsTask().GetAwaiter().GetResult();
        return _journal.ReleaseAsync("x").AsTask().GetAwaiter().GetResult();
    }
}
