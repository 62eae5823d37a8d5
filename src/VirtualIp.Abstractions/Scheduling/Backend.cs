using System.Net;

namespace VirtualIp.Scheduling;

/// <summary>
/// One server behind a shared VIP: where it listens, how much traffic it should get, whether it may take new
/// connections, and how many it is serving now. Membership of a pool is an immutable <see cref="BackendSet"/>;
/// health, draining and the in-flight counter are live state on the backend itself, read by schedulers without locks.
/// </summary>
public sealed class Backend
{
    /// <summary>The largest accepted <see cref="Weight"/>.</summary>
    public const int MaxWeight = 10_000;

    private const int Unhealthy = 1;
    private const int Draining = 2;
    private int _inFlight;

    // Unavailability reasons as bits, so that IsAvailable (read on every pick) is one load and one compare.
    private volatile int _unavailable;

    /// <summary>Creates a backend.</summary>
    /// <param name="endPoint">Where the backend listens (usually an <see cref="IPEndPoint"/>).</param>
    /// <param name="weight">Relative share of traffic, 1 to <see cref="MaxWeight"/>.</param>
    /// <param name="name">
    /// Stable identity used by consistent-hashing schedulers (Maglev, rendezvous); defaults to the endpoint text.
    /// Two processes that name their backends alike map keys alike.
    /// </param>
    public Backend(EndPoint endPoint, int weight = 1, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (weight < 1 || weight > MaxWeight)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"The weight of backend {endPoint} must be 1 to {MaxWeight}.");
        }

        if (name is not null && string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A backend name must not be blank.", nameof(name));
        }

        EndPoint = endPoint;
        Weight = weight;
        Name = name ?? endPoint.ToString() ?? throw new ArgumentException("The endpoint has no text form; pass a name.", nameof(endPoint));
    }

    /// <summary>Where the backend listens.</summary>
    public EndPoint EndPoint { get; }

    /// <summary>Stable identity (the endpoint text unless given).</summary>
    public string Name { get; }

    /// <summary>Relative share of traffic (1 to <see cref="MaxWeight"/>).</summary>
    public int Weight { get; }

    /// <summary>False while health checks (active or passive) consider the backend down. Initially true.</summary>
    public bool IsHealthy
    {
        get => (_unavailable & Unhealthy) == 0;
        set => SetBit(Unhealthy, !value);
    }

    /// <summary>True while the backend is being drained: it keeps its connections but gets no new ones.</summary>
    public bool IsDraining
    {
        get => (_unavailable & Draining) != 0;
        set => SetBit(Draining, value);
    }

    /// <summary>True when the backend may be picked: healthy and not draining.</summary>
    public bool IsAvailable => _unavailable == 0;

    /// <summary>Connections or requests in flight now (maintained by the caller of a scheduler).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Atomically counts one more connection in flight; returns the new count.</summary>
    public int IncrementInFlight() => Interlocked.Increment(ref _inFlight);

    /// <summary>Atomically counts one connection fewer in flight; returns the new count.</summary>
    public int DecrementInFlight() => Interlocked.Decrement(ref _inFlight);

    /// <inheritdoc />
    public override string ToString() => Name;

    private void SetBit(int bit, bool on)
    {
        if (on)
        {
            Interlocked.Or(ref _unavailable, bit);
        }
        else
        {
            Interlocked.And(ref _unavailable, ~bit);
        }
    }
}
