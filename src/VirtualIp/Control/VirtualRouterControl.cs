using VirtualIp.Election;
using VirtualIp.Vrrp;

namespace VirtualIp.Control;

/// <summary>
/// <see cref="IVirtualRouterControl"/> over the VRRP engine: the engine applies the action under its election lock and
/// hands the audit record to <c>publish</c> (the event stream, which feeds the audit trail). Holds no state: the
/// overrides live in the engine, so every control obtained for a router sees the same ones.
/// </summary>
internal sealed class VirtualRouterControl : IVirtualRouterControl
{
    private readonly VrrpRouter _engine;
    private readonly Action<RouterControlEvent> _publish;

    private VirtualRouterControl(VrrpRouter engine, Action<RouterControlEvent> publish)
    {
        _engine = engine;
        _publish = publish;
    }

    public string Router => _engine.Name;

    /// <summary>The control for the router named <paramref name="router"/> among <paramref name="routers"/>.</summary>
    /// <exception cref="KeyNotFoundException">No router has that name.</exception>
    /// <exception cref="NotSupportedException">The router is not a VirtualIp VRRP router.</exception>
    public static IVirtualRouterControl Find(IReadOnlyList<IVirtualRouter> routers, string router, Action<RouterControlEvent> publish)
    {
        ArgumentNullException.ThrowIfNull(routers);
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(publish);
        foreach (var r in routers)
        {
            if (string.Equals(r.Name, router, StringComparison.Ordinal))
            {
                return r is VrrpRouter engine
                    ? new VirtualRouterControl(engine, publish)
                    : throw new NotSupportedException($"Router '{router}' ({r.GetType().Name}) has no runtime control.");
            }
        }

        throw new KeyNotFoundException(routers.Count == 0
            ? $"No router named '{router}': no router is running (is the host started?)."
            : $"No router named '{router}'; the routers are: {string.Join(", ", routers.Select(r => r.Name))}.");
    }

    public VirtualRouterStatus GetStatus() => _engine.GetControlStatus();

    public VirtualRouterStatus Resign(ControlRequest request, TimeSpan? comeBackAfter = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _engine.ControlResign(request, comeBackAfter, _publish);
    }

    public VirtualRouterStatus SetMaintenance(bool enabled, ControlRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _engine.ControlMaintenance(enabled, request, _publish);
    }

    public VirtualRouterStatus OverridePriority(int priority, ControlRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _engine.ControlOverridePriority(priority, request, _publish);
    }

    public VirtualRouterStatus Takeover(ControlRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _engine.ControlTakeover(request, _publish);
    }

    public VirtualRouterStatus Clear(ControlOverrides overrides, ControlRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _engine.ControlClear(overrides, request, _publish);
    }
}
