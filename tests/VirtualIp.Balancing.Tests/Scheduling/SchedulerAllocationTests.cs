using VirtualIp.Scheduling;
using static VirtualIp.Balancing.Tests.Scheduling.SchedulerTestData;

namespace VirtualIp.Balancing.Tests.Scheduling;

public sealed class SchedulerAllocationTests
{
    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(SchedulerTestData))]
    public void Pick_allocates_nothing(string name)
    {
        var b = Make(100, i => (i % 3) + 1);
        b[5].IsHealthy = false; // exercise the fallback paths too
        var s = Create(name, b);
        Span<byte> key = stackalloc byte[16];
        for (int i = 0; i < 1000; i++)
        {
            Run(s, key, i);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20_000; i++)
        {
            Run(s, key, i);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        static void Run(IBackendScheduler s, Span<byte> key, int i)
        {
            key[0] = (byte)i;
            key[1] = (byte)(i >> 8);
            s.Pick(new PickContext(key));
            s.Pick(new PickContext((ulong)i));
            s.Pick(new PickContext((UInt128)i << 70));
            s.Pick(default);
        }
    }
}
