using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Scheduling;

/// <summary>
/// A random available backend with probability proportional to its weight (a binary search over cumulative weights;
/// a plain uniform index when all weights are equal).
/// </summary>
internal sealed class RandomScheduler : BackendSchedulerBase<RandomScheduler.CumulativeState>
{
    public RandomScheduler()
        : base(new CumulativeState(BackendSet.Empty))
    {
    }

    public override string Name => BackendSchedulerNames.Random;

    public override Backend? Pick(in PickContext context)
    {
        var s = State;
        var backends = s.Backends;
        int n = backends.Length;
        if (n == 0)
        {
            return null;
        }

        int i = s.Cumulative is null ? FastRandom.Next(n) : s.Find(FastRandom.Next(s.TotalWeight));
        var b = backends[i];
        if (b.IsAvailable)
        {
            return b;
        }

        // One more draw keeps the distribution among the rest; then a scan settles it.
        i = s.Cumulative is null ? FastRandom.Next(n) : s.Find(FastRandom.Next(s.TotalWeight));
        b = backends[i];
        return b.IsAvailable ? b : ScanFrom(backends, i);
    }

    protected override CumulativeState Build(BackendSet set) => new(set);

    internal sealed class CumulativeState : SchedulerState
    {
        public CumulativeState(BackendSet set)
            : base(set)
        {
            if (AllWeightsEqual(Backends))
            {
                return;
            }

            Cumulative = new int[Backends.Length];
            int total = 0;
            for (int i = 0; i < Backends.Length; i++)
            {
                total += Backends[i].Weight;
                Cumulative[i] = total;
            }

            TotalWeight = total;
        }

        /// <summary>Running sums of the weights, or null when all weights are equal.</summary>
        public int[]? Cumulative { get; }

        public int TotalWeight { get; }

        /// <summary>The index whose weight interval holds <paramref name="r"/> (0 &lt;= r &lt; total).</summary>
        public int Find(int r)
        {
            var c = Cumulative!;
            int lo = 0, hi = c.Length - 1;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (c[mid] > r)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }

            return lo;
        }
    }
}
