using System.Net;

namespace VirtualIp.Election;

/// <summary>Why an advert for our VRID counts as a conflict.</summary>
public enum RouterConflictKind
{
    /// <summary>The source is not a configured peer (unicast peers or known peers); the advert was dropped.</summary>
    UnknownSource,
    /// <summary>Another router claims mastership with a priority that does not win against the current master (two masters).</summary>
    SecondMaster,
    /// <summary>A priority-0 ("master leaving") advert from a router that is not the current master.</summary>
    PriorityZeroFromNonMaster,
}

/// <summary>
/// An advert for this router's VRID came from a source that is neither this node nor a configured or known peer with a
/// higher priority: a misconfigured router, a split brain, or a spoof. Raised at most once per source per 10 s.
/// </summary>
public sealed class RouterConflictEventArgs : EventArgs
{
    /// <summary>Creates the event.</summary>
    public RouterConflictEventArgs(string routerName, byte virtualRouterId, IPAddress source, int advertisedPriority, RouterConflictKind kind,
        VrrpState state, DateTimeOffset timestamp)
    {
        RouterName = routerName;
        VirtualRouterId = virtualRouterId;
        Source = source;
        AdvertisedPriority = advertisedPriority;
        Kind = kind;
        State = state;
        Timestamp = timestamp;
    }

    /// <summary>The configured router name.</summary>
    public string RouterName { get; }

    /// <summary>The VRID.</summary>
    public byte VirtualRouterId { get; }

    /// <summary>The advert's IP source address.</summary>
    public IPAddress Source { get; }

    /// <summary>The priority in the advert.</summary>
    public int AdvertisedPriority { get; }

    /// <summary>What kind of conflict.</summary>
    public RouterConflictKind Kind { get; }

    /// <summary>This router's state when the advert arrived.</summary>
    public VrrpState State { get; }

    /// <summary>When (from the engine's <see cref="TimeProvider"/>).</summary>
    public DateTimeOffset Timestamp { get; }
}
