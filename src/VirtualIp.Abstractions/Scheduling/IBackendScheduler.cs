namespace VirtualIp.Scheduling;

/// <summary>
/// Picks the backend for a new connection or request. Implementations are safe from many threads, take no locks on
/// <see cref="Pick"/>, and allocate nothing per pick. Only available backends (healthy, not draining) are picked.
/// </summary>
public interface IBackendScheduler
{
    /// <summary>The scheduler's name (one of <see cref="BackendSchedulerNames"/> for built-in schedulers).</summary>
    string Name { get; }

    /// <summary>The backend set the scheduler picks from now.</summary>
    BackendSet Backends { get; }

    /// <summary>
    /// Replaces the backend set. Precomputed state (tables, sequences) is built off to the side and swapped in
    /// atomically; picks running meanwhile see either the old or the new set.
    /// </summary>
    void Update(BackendSet backends);

    /// <summary>Picks an available backend, or returns null when none is available.</summary>
    Backend? Pick(in PickContext context);
}
