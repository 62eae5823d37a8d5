// Acquires leases from one pool and prints one line per outcome:
//   granted HOLDER ADDRESS | exhausted HOLDER | unavailable HOLDER MESSAGE | done granted=N exhausted=N unavailable=N ms=N
// dotnet VirtualIp.LeaseClient.dll --store embedded --journal /tmp/l.journal --range 10.0.0.0/16 --count 1000
// dotnet VirtualIp.LeaseClient.dll --store etcd --etcd-endpoints http://127.0.0.1:2379 --range 198.51.100.0/24 --count 1000 --parallel 1000 --hold
using System.Diagnostics;
using System.Globalization;
using VirtualIp.Etcd;
using VirtualIp.LeaseClient;
using VirtualIp.Leasing;
using VirtualIp.Pools;

var a = LeaseClientArguments.Parse(args);
if (a.Error is not null)
{
    Console.Error.WriteLine(a.Error);
    Console.Error.WriteLine(LeaseClientArguments.Usage);
    return 2;
}

ILeaseStore store = a.Store == "etcd" ? new EtcdLeaseStore(a.Etcd, a.Node) : new JournalLeaseStore(a.Journal);
await using (store)
{
    var pool = new VipPool(a.Pool, store, node: a.Node);
    await pool.InitializeAsync();
    var gate = new SemaphoreSlim(a.Parallel, a.Parallel);
    var output = new Lock();
    int granted = 0, exhausted = 0, unavailable = 0;
    var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
    var sw = Stopwatch.StartNew();
    var tasks = Enumerable.Range(0, a.Count).Select(async i =>
    {
        var holder = $"{a.HolderPrefix}{i}";
        await gate.WaitAsync();
        try
        {
            long started = Stopwatch.GetTimestamp();
            var lease = await pool.AcquireAsync(holder);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Interlocked.Increment(ref granted);
            lock (output)
            {
                Console.Out.WriteLine($"granted {holder} {lease.Vip.Address}");
            }
        }
        catch (VipPoolExhaustedException)
        {
            Interlocked.Increment(ref exhausted);
            lock (output)
            {
                Console.Out.WriteLine($"exhausted {holder}");
            }
        }
        catch (LeaseStoreUnavailableException ex)
        {
            Interlocked.Increment(ref unavailable);
            lock (output)
            {
                Console.Out.WriteLine($"unavailable {holder} {ex.Message.ReplaceLineEndings(" ")}");
            }
        }
        finally
        {
            gate.Release();
        }
    }).ToList();
    await Task.WhenAll(tasks);
    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done granted={granted} exhausted={exhausted} unavailable={unavailable} ms={sw.ElapsedMilliseconds}"));
    if (a.ReportLatency && !latencies.IsEmpty)
    {
        var sorted = latencies.Order().ToArray();
        double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"latency n={sorted.Length} p50={P(0.50):0.000}ms p99={P(0.99):0.000}ms max={sorted[^1]:0.000}ms"));
    }

    Console.Out.Flush();
    if (a.Hold)
    {
        pool.LeaseChanged += (_, e) =>
        {
            if (e.Change == VipLeaseChange.Expired)
            {
                lock (output)
                {
                    Console.Out.WriteLine($"lost {e.Lease.Holder} {e.Lease.Vip.Address} {e.Reason}");
                }
            }
        };
        await Task.Delay(Timeout.Infinite); // hold until killed: the etcd keep-alive runs in the background
    }

    await pool.DisposeAsync();
}

return 0;
