using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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

        // Two indices from one 64-bit draw: Lemire's multiply-shift on each 32-bit half (no division, no second draw).
        ulong r = FastRandom.Next();
        int i = (int)(((r & 0xFFFF_FFFFUL) * (uint)n) >> 32);
        int j = (int)(((r >> 32) * (uint)(n - 1)) >> 32);
        if (j >= i)
        {
            j++;
        }

        // i < n and j < n by construction: skip the bounds checks.
        ref Backend first = ref MemoryMarshal.GetArrayDataReference(backends);
        var a = Unsafe.Add(ref first, i);
        var b = Unsafe.Add(ref first, j);
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
