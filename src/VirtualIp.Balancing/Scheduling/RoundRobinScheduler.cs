using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Scheduling;

/// <summary>Each available backend in turn (one shared counter, <see cref="Interlocked"/>); weights ignored.</summary>
internal sealed class RoundRobinScheduler : BackendSchedulerBase<RoundRobinScheduler.ModState>
{
    private int _counter = -1;

    public RoundRobinScheduler()
        : base(new ModState(BackendSet.Empty))
    {
    }

    public override string Name => BackendSchedulerNames.RoundRobin;

    public override Backend? Pick(in PickContext context)
    {
        var s = State;
        var backends = s.Backends;
        uint n = (uint)backends.Length;
        if (n == 0)
        {
            return null;
        }

        // The counter wraps after 2^32 picks, shifting the rotation once: harmless.
        int i = (int)StableHash.FastMod((uint)Interlocked.Increment(ref _counter), n, s.Multiplier);
        var b = backends[i];
        return b.IsAvailable ? b : ScanFrom(backends, i);
    }

    protected override ModState Build(BackendSet set) => new(set);

    internal sealed class ModState(BackendSet set) : SchedulerState(set)
    {
        public ulong Multiplier { get; } = StableHash.FastModMultiplier((uint)set.Count);
    }
}
