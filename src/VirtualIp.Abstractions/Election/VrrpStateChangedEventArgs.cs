using System.Net;

namespace VirtualIp.Election;

/// <summary>A virtual router changed state. Raised once per transition (never per advert), in order.</summary>
public sealed class VrrpStateChangedEventArgs : EventArgs
{
    /// <summary>Creates the event.</summary>
    public VrrpStateChangedEventArgs(string routerName, byte virtualRouterId, bool isIPv6, VrrpState oldState, VrrpState newState,
        VrrpTransitionReason reason, IPAddress? masterAddress, int priority, DateTimeOffset timestamp, string? detail = null)
    {
        RouterName = routerName;
        VirtualRouterId = virtualRouterId;
        IsIPv6 = isIPv6;
        OldState = oldState;
        NewState = newState;
        Reason = reason;
        MasterAddress = masterAddress;
        Priority = priority;
        Timestamp = timestamp;
        Detail = detail;
    }

    /// <summary>The configured router name.</summary>
    public string RouterName { get; }

    /// <summary>The VRID.</summary>
    public byte VirtualRouterId { get; }

    /// <summary>True for an IPv6 virtual router.</summary>
    public bool IsIPv6 { get; }

    /// <summary>The state before.</summary>
    public VrrpState OldState { get; }

    /// <summary>The state after.</summary>
    public VrrpState NewState { get; }

    /// <summary>Why.</summary>
    public VrrpTransitionReason Reason { get; }

    /// <summary>The master's address as last seen (this node's address when it became master), if known.</summary>
    public IPAddress? MasterAddress { get; }

    /// <summary>This router's effective priority at the time of the transition.</summary>
    public int Priority { get; }

    /// <summary>When the transition happened (from the router's <see cref="TimeProvider"/>).</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Free text such as the tracking reason, when there is one.</summary>
    public string? Detail { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{RouterName} (VRID {VirtualRouterId}{(IsIPv6 ? ", IPv6" : "")}): {OldState} -> {NewState} ({Reason}{(Detail is null ? "" : ": " + Detail)})";
}

/// <summary>What the router was doing when a side effect failed.</summary>
public enum VirtualRouterAction
{
    /// <summary>Removing addresses left behind by a crashed process (on start).</summary>
    RemoveStale,

    /// <summary>Adding a VIP on becoming master.</summary>
    AddVip,

    /// <summary>Removing a VIP on leaving master.</summary>
    RemoveVip,

    /// <summary>Starting gratuitous ARP / unsolicited NA announcements.</summary>
    StartAnnouncing,

    /// <summary>Stopping announcements.</summary>
    StopAnnouncing,

    /// <summary>A <see cref="IVirtualRouter.StateChanged"/> handler threw.</summary>
    EventHandler,
}

/// <summary>A side effect of a transition failed. The router keeps running; the failure is logged as well.</summary>
public sealed class VirtualRouterActionFailedEventArgs : EventArgs
{
    /// <summary>Creates the event.</summary>
    public VirtualRouterActionFailedEventArgs(string routerName, byte virtualRouterId, VirtualRouterAction action, string? target, Exception exception, DateTimeOffset timestamp)
    {
        RouterName = routerName;
        VirtualRouterId = virtualRouterId;
        Action = action;
        Target = target;
        Exception = exception;
        Timestamp = timestamp;
    }

    /// <summary>The configured router name.</summary>
    public string RouterName { get; }

    /// <summary>The VRID.</summary>
    public byte VirtualRouterId { get; }

    /// <summary>What failed.</summary>
    public VirtualRouterAction Action { get; }

    /// <summary>The VIP or interface concerned, if any.</summary>
    public string? Target { get; }

    /// <summary>The error.</summary>
    public Exception Exception { get; }

    /// <summary>When it failed.</summary>
    public DateTimeOffset Timestamp { get; }
}
