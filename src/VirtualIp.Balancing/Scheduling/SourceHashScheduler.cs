using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Scheduling;

/// <summary>
/// Hash of the key onto a weighted slot list (each backend appears weight/GCD times, at most
/// <see cref="MaxSlots"/> slots), like HAProxy "balance source" with map-based hashing: cheap and even, but adding or
/// removing a backend remaps most keys (use Maglev or rendezvous for that). When the slot's backend is unavailable the
/// key is rehashed a few times, then the backends are scanned. A context without key picks at random.
/// </summary>
internal sealed class SourceHashScheduler : BackendSchedulerBase<SourceHashScheduler.SlotState>
{
    public const int MaxSlots = 1 << 16;

    public SourceHashScheduler()
        : base(new SlotState(BackendSet.Empty))
    {
    }

    public override string Name => BackendSchedulerNames.SourceHash;

    public override Backend? Pick(in PickContext context)
    {
        var slots = State.Slots;
        if (slots.Length == 0)
        {
            return null;
        }

        ulong h = context.HasKey ? StableHash.OfKey(context) : FastRandom.Next();
        for (int attempt = 0; attempt < 8; attempt++)
        {
            var b = slots[StableHash.Range(h, slots.Length)];
            if (b.IsAvailable)
            {
                return b;
            }

            h = StableHash.Mix(h + 0x9E3779B97F4A7C15UL);
        }

        return ScanFrom(State.Backends, StableHash.Range(h, State.Backends.Length));
    }

    protected override SlotState Build(BackendSet set) => new(set);

    internal sealed class SlotState : SchedulerState
    {
        public SlotState(BackendSet set)
            : base(set)
        {
            var backends = Backends;
            if (AllWeightsEqual(backends))
            {
                Slots = backends;
                return;
            }

            int gcd = WeightGcd(backends);
            long total = 0;
            foreach (var b in backends)
            {
                total += b.Weight / gcd;
            }

            double scale = total > MaxSlots ? (double)MaxSlots / total : 1.0;
            var slots = new List<Backend>((int)Math.Min(total, MaxSlots + backends.Length));
            foreach (var b in backends)
            {
                long count = Math.Max(1, (long)Math.Round(b.Weight / gcd * scale));
                for (long k = 0; k < count; k++)
                {
                    slots.Add(b);
                }
            }

            Slots = [.. slots];
        }

        public Backend[] Slots { get; }
    }
}
