namespace VirtualIp.Vrrp;

/// <summary>
/// One input that moves a router's priority (keepalived <c>track_script</c> / <c>track_interface</c>): a health check or an
/// interface, with a weight. Bound from <c>VirtualIp:Routers:N:TrackChecks:M</c> or <c>VirtualIp:Routers:N:TrackInterfaces:M</c>.
/// </summary>
public sealed class VrrpTrackOptions
{
    /// <summary>The tracked check's name (in <see cref="VrrpRouterOptions.TrackChecks"/>) or interface name (in <see cref="VrrpRouterOptions.TrackInterfaces"/>).</summary>
    public string Name { get; set; } = "";

    /// <summary>Positive: added while up; negative: subtracted while down; 0: Fault while down (keepalived semantics). -253 to 253.</summary>
    public int Weight { get; set; }
}
