using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Scheduling;

/// <summary>
/// Rendezvous (highest random weight) hashing: every available backend scores mix(key hash, backend name hash) and
/// the highest wins. Weighted backends score weight / -ln(u) (the logarithmic method), so shares follow the weights.
/// When a backend leaves only its own keys move. O(n) per pick. A context without key picks at random.
/// </summary>
internal sealed class RendezvousScheduler : BackendSchedulerBase<RendezvousScheduler.NameHashState>
{
    public RendezvousScheduler()
        : base(new NameHashState(BackendSet.Empty))
    {
    }

    public override string Name => BackendSchedulerNames.Rendezvous;

    public override Backend? Pick(in PickContext context)
    {
        var s = State;
        var backends = s.Backends;
        int n = backends.Length;
        if (n == 0)
        {
            return null;
        }

        ulong key = context.HasKey ? StableHash.OfKey(context) : FastRandom.Next();
        var hashes = s.NameHashes;
        Backend? best = null;
        if (s.Weighted)
        {
            double bestScore = double.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                var b = backends[i];
                if (!b.IsAvailable)
                {
                    continue;
                }

                // u in (0, 1): 53 random bits plus one half.
                double u = ((StableHash.Mix(key ^ hashes[i]) >> 11) + 0.5) * (1.0 / (1UL << 53));
                double score = b.Weight / -Math.Log(u);
                if (score > bestScore)
                {
                    bestScore = score;
                    best = b;
                }
            }
        }
        else
        {
            ulong bestScore = 0;
            for (int i = 0; i < n; i++)
            {
                var b = backends[i];
                ulong score = StableHash.Mix(key ^ hashes[i]);
                if ((best is null || score > bestScore) && b.IsAvailable)
                {
                    bestScore = score;
                    best = b;
                }
            }
        }

        return best;
    }

    protected override NameHashState Build(BackendSet set) => new(set);

    internal sealed class NameHashState : SchedulerState
    {
        public NameHashState(BackendSet set)
            : base(set)
        {
            NameHashes = new ulong[Backends.Length];
            for (int i = 0; i < Backends.Length; i++)
            {
                NameHashes[i] = StableHash.OfName(Backends[i].Name, 0x5EED_5EED);
            }

            Weighted = !AllWeightsEqual(Backends);
        }

        public ulong[] NameHashes { get; }

        public bool Weighted { get; }
    }
}
