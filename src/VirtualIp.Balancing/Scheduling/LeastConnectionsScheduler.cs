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

        int start = FastRandom.Next(n);
        Backend? best = null;
        long bestLoad = long.MaxValue;
        long bestWeight = 1;
        for (int k = 0; k < n; k++)
        {
            int i = start + k;
            if (i >= n)
            {
                i -= n;
            }

            var b = backends[i];
            if (!b.IsAvailable)
            {
                continue;
            }

            if (_weighted)
            {
                long load = b.InFlight + 1L;
                if (best is null || load * bestWeight < bestLoad * b.Weight)
                {
                    best = b;
                    bestLoad = load;
                    bestWeight = b.Weight;
                }
            }
            else
            {
                long load = b.InFlight;
                if (load < bestLoad)
                {
                    best = b;
                    bestLoad = load;
                    if (load == 0)
                    {
                        break;
                    }
                }
            }
        }

        return best;
    }

    protected override SchedulerState Build(BackendSet set) => new(set);
}
