using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Scheduling;

/// <summary>
/// A random available backend with probability proportional to its weight, in constant time: Vose's alias method
/// (one random column, one biased coin between the column and its alias), a plain uniform index when all weights are
/// equal. An unavailable pick is redrawn once, then the backends are scanned.
/// </summary>
internal sealed class RandomScheduler : BackendSchedulerBase<RandomScheduler.AliasState>
{
    public RandomScheduler()
        : base(new AliasState(BackendSet.Empty))
    {
    }

    public override string Name => BackendSchedulerNames.Random;

    public override Backend? Pick(in PickContext context)
    {
        var s = State;
        var backends = s.Backends;
        if (backends.Length == 0)
        {
            return null;
        }

        int i = s.Draw();
        var b = backends[i];
        if (b.IsAvailable)
        {
            return b;
        }

        i = s.Draw();
        b = backends[i];
        return b.IsAvailable ? b : ScanFrom(backends, i);
    }

    protected override AliasState Build(BackendSet set) => new(set);

    internal sealed class AliasState : SchedulerState
    {
        private const double Scale = 4294967296.0; // 2^32

        public AliasState(BackendSet set)
            : base(set)
        {
            int n = Backends.Length;
            if (n == 0 || AllWeightsEqual(Backends))
            {
                return;
            }

            long total = 0;
            foreach (var b in Backends)
            {
                total += b.Weight;
            }

            var p = new double[n];
            var threshold = new ulong[n];
            var alias = new int[n];
            var small = new Stack<int>();
            var large = new Stack<int>();
            for (int i = 0; i < n; i++)
            {
                p[i] = (double)Backends[i].Weight * n / total;
                alias[i] = i;
                (p[i] < 1.0 ? small : large).Push(i);
            }

            while (small.Count > 0 && large.Count > 0)
            {
                int l = small.Pop(), g = large.Pop();
                threshold[l] = (ulong)(p[l] * Scale);
                alias[l] = g;
                p[g] = p[g] + p[l] - 1.0;
                (p[g] < 1.0 ? small : large).Push(g);
            }

            // Leftovers are 1 up to rounding: always keep the column.
            while (large.Count > 0)
            {
                threshold[large.Pop()] = 1UL << 32;
            }

            while (small.Count > 0)
            {
                threshold[small.Pop()] = 1UL << 32;
            }

            Threshold = threshold;
            Alias = alias;
        }

        /// <summary>Per column: keep it when the 32-bit coin is below this (2^32 = always); null when unweighted.</summary>
        public ulong[]? Threshold { get; }

        public int[]? Alias { get; }

        public int Draw()
        {
            ulong r = FastRandom.Next();
            int i = StableHash.Range(r, Backends.Length); // uses the high bits of r
            var t = Threshold;
            return t is null || (r & 0xFFFF_FFFFUL) < t[i] ? i : Alias![i];
        }
    }
}
