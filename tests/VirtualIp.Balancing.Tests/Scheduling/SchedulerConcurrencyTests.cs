using VirtualIp.Scheduling;
using static VirtualIp.Balancing.Tests.Scheduling.SchedulerTestData;

namespace VirtualIp.Balancing.Tests.Scheduling;

public sealed class SchedulerConcurrencyTests
{
    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(SchedulerTestData))]
    public async Task Many_threads_pick_while_the_set_is_swapped(string name)
    {
        var setA = Make(20);
        var setB = Make(5, i => i + 1);
        var s = Create(name, setA);
        int errors = 0;
        using var stop = new CancellationTokenSource();
        var swapper = Task.Run(
            () =>
        {
            int k = 0;
            while (!stop.IsCancellationRequested)
            {
                s.Update(new BackendSet(++k % 2 == 0 ? setA : setB));
            }
        }, TestContext.Current.CancellationToken);

        const int Threads = 8, PicksPerThread = 20_000;
        var workers = Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < PicksPerThread; i++)
            {
                try
                {
                    var b = s.Pick(new PickContext((ulong)((t * PicksPerThread) + i)));
                    if (b is null)
                    {
                        Interlocked.Increment(ref errors);
                        continue;
                    }

                    b.IncrementInFlight();
                    b.DecrementInFlight();
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }, TestContext.Current.CancellationToken)).ToArray();
        await Task.WhenAll(workers);
        stop.Cancel();
        await swapper;

        Assert.Equal(0, errors);
        Assert.All(setA.Concat(setB), b => Assert.Equal(0, b.InFlight));
    }

    [Fact]
    public async Task In_flight_counter_loses_no_updates()
    {
        var b = Make(1)[0];
        const int Threads = 8, Ops = 100_000;
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < Ops; i++)
            {
                b.IncrementInFlight();
            }
        }, TestContext.Current.CancellationToken)));
        Assert.Equal(Threads * Ops, b.InFlight);
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < Ops; i++)
            {
                b.DecrementInFlight();
            }
        }, TestContext.Current.CancellationToken)));
        Assert.Equal(0, b.InFlight);
    }
}
