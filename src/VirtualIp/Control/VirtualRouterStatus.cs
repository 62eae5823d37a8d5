using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Election;

namespace VirtualIp.Control;

/// <summary>A snapshot of one virtual router, for operators (the control socket's <c>status</c>).</summary>
/// <param name="Router">The router's name.</param>
/// <param name="VirtualRouterId">The VRID.</param>
/// <param name="Interface">The interface it runs on.</param>
/// <param name="State">The VRRP state.</param>
/// <param name="BasePriority">The configured priority.</param>
/// <param name="TrackedPriority">The priority tracking computed (the configured one without tracking).</param>
/// <param name="EffectivePriority">The priority advertised when master (an override or takeover wins over tracking).</param>
/// <param name="Fault">True while tracking or the link holds the router in Fault.</param>
/// <param name="MasterAddress">The master this router follows, or its own address when master; null when unknown.</param>
/// <param name="Vips">The virtual IPs.</param>
/// <param name="SyncGroup">The sync group, if any.</param>
/// <param name="Overrides">The administrative overrides in force, oldest first.</param>
/// <param name="LastTransition">The last state change, or null before start.</param>
public sealed record VirtualRouterStatus(string Router, byte VirtualRouterId, string Interface, VrrpState State, int BasePriority, int TrackedPriority,
    int EffectivePriority, bool Fault, IPAddress? MasterAddress, IReadOnlyList<VipAddress> Vips, string? SyncGroup,
    IReadOnlyList<ActiveOverride> Overrides, VirtualRouterTransition? LastTransition);

/// <summary>One administrative override in force.</summary>
/// <param name="Kind">Which override (one flag).</param>
/// <param name="By">Who set it.</param>
/// <param name="Reason">Why.</param>
/// <param name="Since">When it was set.</param>
/// <param name="Until">When it ends by itself (a resign with a delay), or null when it lasts until cleared.</param>
/// <param name="Priority">The priority it imposes (Priority, Takeover), or null.</param>
public sealed record ActiveOverride(ControlOverrides Kind, string By, string Reason, DateTimeOffset Since, DateTimeOffset? Until, int? Priority);

/// <summary>A state change of a virtual router.</summary>
/// <param name="From">The old state.</param>
/// <param name="To">The new state.</param>
/// <param name="Reason">Why.</param>
/// <param name="Detail">More about why (the check, the operator and their reason), or null.</param>
/// <param name="At">When.</param>
public sealed record VirtualRouterTransition(VrrpState From, VrrpState To, VrrpTransitionReason Reason, string? Detail, DateTimeOffset At);
