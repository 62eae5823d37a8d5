using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Scheduling;

/// <summary>
/// Smooth weighted round robin, the nginx algorithm: every round each backend's current weight grows by its weight,
/// the largest is chosen and loses the total. The sequence of one period (sum of weights divided by their GCD) is
/// precomputed per snapshot, so a pick is one <see cref="Interlocked.Increment(ref long)"/> and an array read: exact
/// ratios, lock-free, interleaved (weights 5,1,1 give a a b a c a a). A period longer than
/// <see cref="MaxSequenceLength"/> is scaled down (ratios then within 1/<see cref="MaxSequenceLength"/>).
/// An unavailable backend's turns go to the next entries of the sequence.
/// </summary>
internal sealed class WeightedRoundRobinScheduler : BackendSchedulerBase<WeightedRoundRobinScheduler.SequenceState>
{
    public const int MaxSequenceLength = 1 << 20;

    private int _counter = -1;

    public WeightedRoundRobinScheduler()
        : base(new SequenceState(BackendSet.Empty))
    {
    }

    public override string Name => BackendSchedulerNames.WeightedRoundRobin;

    public override Backend? Pick(in PickContext context)
    {
        var s = State;
        var seq = s.Sequence;
        if (seq.Length == 0)
        {
            return null;
        }

        // The counter wraps after 2^32 picks, shifting the sequence once: harmless.
        int i = (int)StableHash.FastMod((uint)Interlocked.Increment(ref _counter), (uint)seq.Length, s.Multiplier);
        var b = seq[i];
        return b.IsAvailable ? b : Fallback(s, i);
    }

    protected override SequenceState Build(BackendSet set) => new(set);

    private static Backend? Fallback(SequenceState s, int i)
    {
        // Walk on through the sequence a little (keeps the smooth interleaving), then scan the backends.
        var seq = s.Sequence;
        int limit = Math.Min(seq.Length, 64);
        for (int k = 1; k < limit; k++)
        {
            int j = i + k;
            if (j >= seq.Length)
            {
                j -= seq.Length;
            }

            if (seq[j].IsAvailable)
            {
                return seq[j];
            }
        }

        return ScanFrom(s.Backends, 0);
    }

    internal sealed class SequenceState : SchedulerState
    {
        public SequenceState(BackendSet set)
            : base(set)
        {
            var backends = Backends;
            int n = backends.Length;
            if (n == 0)
            {
                Sequence = [];
                return;
            }

            int gcd = WeightGcd(backends);
            var weights = new long[n];
            long total = 0;
            for (int i = 0; i < n; i++)
            {
                weights[i] = backends[i].Weight / gcd;
                total += weights[i];
            }

            if (total > MaxSequenceLength)
            {
                double scale = (double)MaxSequenceLength / total;
                total = 0;
                for (int i = 0; i < n; i++)
                {
                    weights[i] = Math.Max(1, (long)Math.Round(weights[i] * scale));
                    total += weights[i];
                }
            }

            var current = new long[n];
            var seq = new Backend[total];
            for (long k = 0; k < total; k++)
            {
                int best = 0;
                for (int i = 0; i < n; i++)
                {
                    current[i] += weights[i];
                    if (current[i] > current[best])
                    {
                        best = i;
                    }
                }

                current[best] -= total;
                seq[k] = backends[best];
            }

            Sequence = seq;
            Multiplier = StableHash.FastModMultiplier((uint)seq.Length);
        }

        public Backend[] Sequence { get; }

        public ulong Multiplier { get; }
    }
}
