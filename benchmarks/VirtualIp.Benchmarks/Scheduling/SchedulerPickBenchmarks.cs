using System.Net;
using BenchmarkDotNet.Attributes;
using VirtualIp.Balancing.Scheduling;
using VirtualIp.Scheduling;

namespace VirtualIp.Benchmarks.Scheduling;

/// <summary>One pick of every built-in scheduler with 10 and 100 backends (weights 1-3, some in-flight load).</summary>
[MemoryDiagnoser]
public class SchedulerPickBenchmarks
{
    private IBackendScheduler _scheduler = null!;
    private ulong _key;

    /// <summary>Scheduler names.</summary>
    public static IEnumerable<string> Names => new BackendSchedulerFactory().Names;

    [ParamsSource(nameof(Names))]
    public string Scheduler { get; set; } = "";

    [Params(10, 100)]
    public int Backends { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rnd = new Random(42);
        var backends = Enumerable.Range(0, Backends)
            .Select(i => new Backend(new IPEndPoint(IPAddress.Loopback, 20000 + i), (i % 3) + 1))
            .ToArray();
        foreach (var b in backends)
        {
            for (int k = rnd.Next(1, 10); k > 0; k--)
            {
                b.IncrementInFlight();
            }
        }

        _scheduler = new BackendSchedulerFactory().Create(Scheduler);
        _scheduler.Update(new BackendSet(backends));
    }

    [Benchmark]
    public Backend? Pick() => _scheduler.Pick(new PickContext(++_key));
}

/// <summary>Pick keyed by an IPv4 client address as bytes (the forwarder's path).</summary>
[MemoryDiagnoser]
public class SchedulerKeyedPickBenchmarks
{
    private IBackendScheduler _maglev = null!;
    private IBackendScheduler _rendezvous = null!;
    private readonly byte[] _address = [198, 51, 100, 7];

    [GlobalSetup]
    public void Setup()
    {
        var backends = new BackendSet(Enumerable.Range(0, 100).Select(i => new Backend(new IPEndPoint(IPAddress.Loopback, 20000 + i))));
        var f = new BackendSchedulerFactory();
        _maglev = f.Create(BackendSchedulerNames.Maglev);
        _maglev.Update(backends);
        _rendezvous = f.Create(BackendSchedulerNames.Rendezvous);
        _rendezvous.Update(backends);
    }

    [Benchmark]
    public Backend? MaglevByAddressBytes()
    {
        _address[3]++;
        return _maglev.Pick(new PickContext(_address));
    }

    [Benchmark]
    public Backend? RendezvousByAddressBytes()
    {
        _address[3]++;
        return _rendezvous.Pick(new PickContext(_address));
    }
}

/// <summary>Maglev lookup table build: 65,537 entries (Envoy reports 2.1-2.7 ms for this size), against the pre-tuning build.</summary>
[MemoryDiagnoser]
public class MaglevSchedulerBuildBenchmarks
{
    private Backend[] _backends = null!;
    private Backend[] _weighted = null!;

    [Params(100, 1000)]
    public int Backends { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _backends = [.. Enumerable.Range(0, Backends).Select(i => new Backend(new IPEndPoint(IPAddress.Loopback, 20000 + i)))];
        _weighted = [.. Enumerable.Range(0, Backends).Select(i => new Backend(new IPEndPoint(IPAddress.Loopback, 20000 + i), (i % 4) + 1))];
    }

    [Benchmark(Baseline = true)]
    public int[] Legacy65537() => LegacyMaglev.BuildTable(_backends, 65537);

    [Benchmark]
    public ushort[] Build65537() => MaglevScheduler.BuildTable<ushort>(_backends, 65537);

    [Benchmark]
    public int[] Legacy65537Weighted() => LegacyMaglev.BuildTable(_weighted, 65537);

    [Benchmark]
    public ushort[] Build65537Weighted() => MaglevScheduler.BuildTable<ushort>(_weighted, 65537);
}

/// <summary>Power of two choices with 100 backends, against the pre-tuning pick (same run, same machine load).</summary>
[MemoryDiagnoser]
public class PowerOfTwoChoicesPickBenchmarks
{
#pragma warning disable CA1859 // both are called through the interface, as the forwarder calls schedulers
    private IBackendScheduler _legacy = null!;
#pragma warning restore CA1859
    private IBackendScheduler _current = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rnd = new Random(42);
        var backends = Enumerable.Range(0, 100)
            .Select(i => new Backend(new IPEndPoint(IPAddress.Loopback, 20000 + i), (i % 3) + 1))
            .ToArray();
        foreach (var b in backends)
        {
            for (int k = rnd.Next(1, 10); k > 0; k--)
            {
                b.IncrementInFlight();
            }
        }

        _legacy = new LegacyPowerOfTwoChoices();
        _legacy.Update(new BackendSet(backends));
        _current = new BackendSchedulerFactory().Create(BackendSchedulerNames.PowerOfTwoChoices);
        _current.Update(new BackendSet(backends));
    }

    [Benchmark(Baseline = true)]
    public Backend? Legacy() => _legacy.Pick(default);

    [Benchmark]
    public Backend? Current() => _current.Pick(default);
}
