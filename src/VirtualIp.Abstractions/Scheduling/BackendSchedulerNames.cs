namespace VirtualIp.Scheduling;

/// <summary>Names of the built-in schedulers.</summary>
public static class BackendSchedulerNames
{
    /// <summary>Each available backend in turn; weights ignored.</summary>
    public const string RoundRobin = "round-robin";

    /// <summary>Smooth weighted round robin (nginx): exact weight ratios, interleaved rather than in bursts.</summary>
    public const string WeightedRoundRobin = "weighted-round-robin";

    /// <summary>The backend with the fewest connections in flight; weights ignored.</summary>
    public const string LeastConnections = "least-connections";

    /// <summary>The backend with the fewest connections in flight per unit of weight.</summary>
    public const string WeightedLeastConnections = "weighted-least-connections";

    /// <summary>A random backend, with probability proportional to its weight.</summary>
    public const string Random = "random";

    /// <summary>Two random backends; the one with fewer connections in flight per unit of weight wins.</summary>
    public const string PowerOfTwoChoices = "power-of-two";

    /// <summary>Hash of the key modulo the weighted backend list (like HAProxy "balance source").</summary>
    public const string SourceHash = "source-hash";

    /// <summary>Maglev consistent hashing: a prime-sized lookup table, minimal disruption when a backend leaves.</summary>
    public const string Maglev = "maglev";

    /// <summary>Rendezvous (highest random weight) hashing.</summary>
    public const string Rendezvous = "rendezvous";
}
