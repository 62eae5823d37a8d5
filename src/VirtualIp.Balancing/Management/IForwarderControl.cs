using System.Net;

namespace VirtualIp.Balancing;

/// <summary>
/// Runtime management of one running forwarder: list its backends, add and remove them, change weights and drain them,
/// with no restart and no dropped connections (a removed or drained backend keeps its connections until they end or
/// the deadline passes). Each change swaps in a new backend set atomically; picks running meanwhile see the old or the
/// new set. Backends are identified by name (<see cref="ForwarderBackendOptions.Name"/>, else the address text).
/// Changes made here and changes from a configuration reload both apply: a reload applies only what changed in the
/// configuration (see docs/architecture.md, "Runtime management of forwarders").
/// </summary>
public interface IForwarderControl
{
    /// <summary>The forwarder's name.</summary>
    string Name { get; }

    /// <summary>TCP or UDP.</summary>
    ForwarderProtocol Protocol { get; }

    /// <summary>The bound local endpoint.</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>The scheduler's name.</summary>
    string Scheduler { get; }

    /// <summary>Client connections (TCP) or sessions (UDP) open now.</summary>
    int ActiveConnections { get; }

    /// <summary>A snapshot of the backends: those in the set, in order, then removed ones still draining.</summary>
    IReadOnlyList<BackendStatus> GetBackends();

    /// <summary>
    /// Adds a backend (its address resolved now) that takes new connections at once; with active checks enabled it
    /// gets its own check. Throws <see cref="ArgumentException"/> for a bad address or weight and
    /// <see cref="InvalidOperationException"/> when a backend of that name is in the set.
    /// </summary>
    Task<BackendStatus> AddBackendAsync(ForwarderBackendOptions backend, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the weight of a backend (1 to <see cref="VirtualIp.Scheduling.Backend.MaxWeight"/>) for new connections;
    /// its connections, health and draining state are kept. Throws <see cref="KeyNotFoundException"/> for an unknown name.
    /// </summary>
    BackendStatus SetWeight(string backend, int weight);

    /// <summary>
    /// Drains a backend: it stays in the set but gets no new connections; its connections may run until
    /// <paramref name="deadline"/> (zero: at once), then the remaining ones are closed. Returns true when all ended on
    /// their own. It stays drained until <see cref="ResumeBackend"/>. Cancelling ends the wait early and closes the rest.
    /// </summary>
    Task<bool> DrainBackendAsync(string backend, TimeSpan deadline, CancellationToken cancellationToken = default);

    /// <summary>Lets a drained backend take new connections again; throws <see cref="InvalidOperationException"/> while its drain runs.</summary>
    BackendStatus ResumeBackend(string backend);

    /// <summary>
    /// Removes a backend from the set at once (no new connections), then waits up to <paramref name="deadline"/> for its
    /// connections to end and closes the rest. Returns true when all ended on their own.
    /// </summary>
    Task<bool> RemoveBackendAsync(string backend, TimeSpan deadline, CancellationToken cancellationToken = default);
}
