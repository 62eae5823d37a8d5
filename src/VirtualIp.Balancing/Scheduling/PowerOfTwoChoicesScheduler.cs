using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Scheduling;

/// <summary>
/// Power of two choices: two distinct random backends, the one with fewer connections in flight per unit of weight
/// wins (ties to the first). Constant time whatever the number of backends.
/// </summary>
internal sealed class PowerOfTwoChoicesScheduler : BackendSchedulerBase<SchedulerState>
{
    public PowerOfTwoChoicesScheduler()
        : base(new SchedulerState(BackendSet.Empty))
    {
    }

    public override string Name => BackendSchedulerNames.PowerOfTwoChoices;

    public override Backend? Pick(in PickContext context)
    {
        var backends = State.Backends;
        int n = backends.Length;
        if (n <= 1)
        {
            return n == 1 && backends[0].IsAvailable ? backends[0] : null;
        }

        ulong r = FastRandom.Next();
        int i = StableHash.Range(r, n);
        int j = StableHash.Range(r * 0x9E3779B97F4A7C15UL, n - 1);
        if (j >= i)
        {
            j++;
        }

        var a = backends[i];
        var b = backends[j];
        bool aOk = a.IsAvailable, bOk = b.IsAvailable;
        if (aOk && bOk)
        {
            // a.InFlight / a.Weight <= b.InFlight / b.Weight, without a division.
            return (long)a.InFlight * b.Weight <= (long)b.InFlight * a.Weight ? a : b;
        }

        return aOk ? a : bOk ? b : ScanFrom(backends, i);
    }

    protected override SchedulerState Build(BackendSet set) => new(set);
}
