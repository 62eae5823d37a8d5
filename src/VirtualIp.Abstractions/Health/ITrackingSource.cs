namespace VirtualIp.Health;

/// <summary>Called when a virtual router's effective priority or fault flag changes.</summary>
/// <param name="priority">The effective priority (1 to 254, or 255 for an address owner).</param>
/// <param name="fault">True when a weight-0 tracked item is down: the router must enter the Fault state.</param>
/// <param name="reason">What changed, for logs.</param>
public delegate void EffectivePriorityChangedHandler(int priority, bool fault, string reason);

/// <summary>
/// keepalived-style tracking for one virtual router: tracked checks and interfaces adjust its priority or fault it.
/// The VRRP engine reads <see cref="EffectivePriority"/> and <see cref="IsFault"/> at start and subscribes to changes.
/// </summary>
public interface ITrackingSource
{
    /// <summary>The configured priority (1 to 255).</summary>
    int BasePriority { get; }

    /// <summary>The priority to advertise now.</summary>
    int EffectivePriority { get; }

    /// <summary>True while a weight-0 tracked item is down.</summary>
    bool IsFault { get; }

    /// <summary>Raised when <see cref="EffectivePriority"/> or <see cref="IsFault"/> changes.</summary>
    event EffectivePriorityChangedHandler? EffectivePriorityChanged;
}

/// <summary>One tracked item (a check, an interface's link, anything up or down) feeding an <see cref="ITrackingSource"/>.</summary>
public interface ITrackedInput : IDisposable
{
    /// <summary>The item's name (a check or interface name).</summary>
    string Name { get; }

    /// <summary>The weight: added while up if positive, subtracted while down if negative, fault while down if 0.</summary>
    int Weight { get; }

    /// <summary>Whether the item is up now.</summary>
    bool IsUp { get; }

    /// <summary>Reports the item's state; a no-op when unchanged.</summary>
    /// <param name="up">True when up.</param>
    void Set(bool up);
}
