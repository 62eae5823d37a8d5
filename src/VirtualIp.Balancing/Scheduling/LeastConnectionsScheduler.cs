using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Scheduling;

/// <summary>
/// The available backend with the fewest connections in flight. Weighted: the fewest per unit of weight, comparing
/// (in-flight + 1) / weight by cross-multiplication (so an idle heavy backend beats an idle light one). The scan starts
/// at a random index so ties spread instead of piling onto the first backend.
/// </summary>
internal sealed class LeastConnectionsScheduler : BackendSchedulerBase<SchedulerState>
{
    private readonly bool _weighted;

    public LeastConnectionsScheduler(bool weighted)
        : base(new SchedulerState(BackendSet.Empty))
    {
        _weighted = weighted;
    }

    public override string Name => _weighted ? BackendSchedulerNames.WeightedLeastConnections : BackendSchedulerNames.LeastConnections;

    public override Backend? Pick(in PickContext context)
    {
        var backends = State.Backends;
        int n = backends.Length;
        if (n == 0)
        {
            return null;
        }

        // Scan from a random start (ties spread) in two straight runs: [start, n) then [0, start).
        int start = FastRandom.Next(n);
        return _weighted ? Weighted(backends, start) : Unweighted(backends, start);
    }

    private static Backend? Unweighted(Backend[] backends, int start)
    {
        Backend? best = null;
        int bestLoad = int.MaxValue;
        for (int i = start; i < backends.Length; i++)
        {
            var b = backends[i];
            int load = b.InFlight;
            if (load < bestLoad && b.IsAvailable)
            {
                best = b;
                bestLoad = load;
            }
        }

        for (int i = 0; i < start; i++)
        {
            var b = backends[i];
            int load = b.InFlight;
            if (load < bestLoad && b.IsAvailable)
            {
                best = b;
                bestLoad = load;
            }
        }

        return best;
    }

    private static Backend? Weighted(Backend[] backends, int start)
    {
        Backend? best = null;
        long bestLoad = 1;
        long bestWeight = 0; // load/weight of "none" is +infinity
        for (int k = 0; k < 2; k++)
        {
            int from = k == 0 ? start : 0, to = k == 0 ? backends.Length : start;
            for (int i = from; i < to; i++)
            {
                var b = backends[i];
                long load = b.InFlight + 1L;
                if (load * bestWeight < bestLoad * b.Weight && b.IsAvailable)
                {
                    best = b;
                    bestLoad = load;
                    bestWeight = b.Weight;
                }
            }
        }

        return best;
    }

    protected override SchedulerState Build(BackendSet set) => new(set);
}
