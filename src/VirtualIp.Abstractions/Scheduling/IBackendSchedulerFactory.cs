namespace VirtualIp.Scheduling;

/// <summary>Creates schedulers by name (see <see cref="BackendSchedulerNames"/>).</summary>
public interface IBackendSchedulerFactory
{
    /// <summary>The names this factory knows.</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>Creates a new scheduler with an empty backend set; throws naming <paramref name="name"/> when unknown.</summary>
    IBackendScheduler Create(string name);
}
