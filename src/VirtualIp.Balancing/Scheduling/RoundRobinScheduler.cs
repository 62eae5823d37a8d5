using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Scheduling;

/// <summary>Each available backend in turn (one shared counter, <see cref="Interlocked"/>); weights ignored.</summary>
internal sealed class RoundRobinScheduler : BackendSchedulerBase<SchedulerState>
{
    private long _counter = -1;

    public RoundRobinScheduler()
        : base(new SchedulerState(BackendSet.Empty))
    {
    }

    public override string Name => BackendSchedulerNames.RoundRobin;

    public override Backend? Pick(in PickContext context)
    {
        var backends = State.Backends;
        int n = backends.Length;
        if (n == 0)
        {
            return null;
        }

        int i = (int)((ulong)Interlocked.Increment(ref _counter) % (ulong)n);
        var b = backends[i];
        return b.IsAvailable ? b : ScanFrom(backends, i);
    }

    protected override SchedulerState Build(BackendSet set) => new(set);
}
