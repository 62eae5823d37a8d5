using Microsoft.Extensions.Options;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Scheduling;

/// <summary>Creates the built-in schedulers by name.</summary>
internal sealed class BackendSchedulerFactory : IBackendSchedulerFactory
{
    private static readonly string[] s_names =
    [
        BackendSchedulerNames.RoundRobin,
        BackendSchedulerNames.WeightedRoundRobin,
        BackendSchedulerNames.LeastConnections,
        BackendSchedulerNames.WeightedLeastConnections,
        BackendSchedulerNames.Random,
        BackendSchedulerNames.PowerOfTwoChoices,
        BackendSchedulerNames.SourceHash,
        BackendSchedulerNames.Maglev,
        BackendSchedulerNames.Rendezvous,
    ];

    private readonly int _maglevTableSize;

    public BackendSchedulerFactory(IOptions<BackendSchedulerOptions> options)
        : this(options?.Value.MaglevTableSize ?? MaglevScheduler.DefaultTableSize)
    {
    }

    public BackendSchedulerFactory(int maglevTableSize = MaglevScheduler.DefaultTableSize)
    {
        if (!MaglevScheduler.IsPrime(maglevTableSize))
        {
            throw new ArgumentOutOfRangeException(nameof(maglevTableSize), maglevTableSize, "The Maglev table size must be a prime (e.g. 65537).");
        }

        _maglevTableSize = maglevTableSize;
    }

    public IReadOnlyCollection<string> Names => s_names;

    public IBackendScheduler Create(string name) => name switch
    {
        BackendSchedulerNames.RoundRobin => new RoundRobinScheduler(),
        BackendSchedulerNames.WeightedRoundRobin => new WeightedRoundRobinScheduler(),
        BackendSchedulerNames.LeastConnections => new LeastConnectionsScheduler(weighted: false),
        BackendSchedulerNames.WeightedLeastConnections => new LeastConnectionsScheduler(weighted: true),
        BackendSchedulerNames.Random => new RandomScheduler(),
        BackendSchedulerNames.PowerOfTwoChoices => new PowerOfTwoChoicesScheduler(),
        BackendSchedulerNames.SourceHash => new SourceHashScheduler(),
        BackendSchedulerNames.Maglev => new MaglevScheduler(_maglevTableSize),
        BackendSchedulerNames.Rendezvous => new RendezvousScheduler(),
        null => throw new ArgumentNullException(nameof(name)),
        _ => throw new ArgumentException($"Unknown scheduler '{name}'. Known: {string.Join(", ", s_names)}.", nameof(name)),
    };
}
