using VirtualIp.Election;
using VirtualIp.Events;

namespace VirtualIp.Control;

/// <summary>What an operator did to a router (or what ended by itself: a resign's delay passing).</summary>
public enum RouterControlAction
{
    /// <summary>Mastership given up.</summary>
    Resign,

    /// <summary>A resign ended (cleared, or its delay passed: then By is "timer").</summary>
    Resume,

    /// <summary>Maintenance turned on.</summary>
    MaintenanceOn,

    /// <summary>Maintenance turned off.</summary>
    MaintenanceOff,

    /// <summary>A priority override set.</summary>
    OverridePriority,

    /// <summary>A priority override cleared.</summary>
    ClearPriority,

    /// <summary>A forced takeover started.</summary>
    Takeover,

    /// <summary>A forced takeover ended.</summary>
    EndTakeover,
}

/// <summary>An administrative action on a router, for the audit trail.</summary>
/// <param name="Timestamp">When.</param>
/// <param name="Router">The router.</param>
/// <param name="Action">What was done.</param>
/// <param name="By">Who.</param>
/// <param name="Reason">Why.</param>
/// <param name="Priority">The priority set (OverridePriority, Takeover), or null.</param>
/// <param name="Duration">How long a resign lasts, or null.</param>
/// <param name="State">The router's state right after the action.</param>
/// <param name="EffectivePriority">The router's effective priority right after the action.</param>
public sealed record RouterControlEvent(DateTimeOffset Timestamp, string Router, RouterControlAction Action, string By, string Reason,
    int? Priority, TimeSpan? Duration, VrrpState State, int EffectivePriority) : VirtualIpEvent(Timestamp)
{
    /// <inheritdoc />
    public override string Kind => "router-control";
}
