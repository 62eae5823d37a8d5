using System.Net;

namespace VirtualIp.Balancing;

/// <summary>An immutable snapshot of one backend of a running forwarder (see <see cref="IForwarderControl.GetBackends"/>).</summary>
public sealed class BackendStatus
{
    internal BackendStatus(string name, EndPoint endPoint, int weight, bool isHealthy, bool isDraining, bool isRemoving, int activeConnections)
    {
        Name = name;
        EndPoint = endPoint;
        Weight = weight;
        IsHealthy = isHealthy;
        IsDraining = isDraining;
        IsRemoving = isRemoving;
        ActiveConnections = activeConnections;
    }

    /// <summary>The backend's name (its address text unless named).</summary>
    public string Name { get; }

    /// <summary>Where the backend listens (resolved when it was added).</summary>
    public EndPoint EndPoint { get; }

    /// <summary>Relative share of new connections.</summary>
    public int Weight { get; }

    /// <summary>False while passive, active or external health holds the backend down.</summary>
    public bool IsHealthy { get; }

    /// <summary>True while the backend gets no new connections (drained or being removed).</summary>
    public bool IsDraining { get; }

    /// <summary>True for a backend already removed from the set whose connections are still draining.</summary>
    public bool IsRemoving { get; }

    /// <summary>Client connections (TCP) or sessions (UDP) on this backend now.</summary>
    public int ActiveConnections { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name} {EndPoint} weight={Weight} {(IsHealthy ? "healthy" : "down")}{(IsRemoving ? " removing" : IsDraining ? " draining" : "")} connections={ActiveConnections}";
}
