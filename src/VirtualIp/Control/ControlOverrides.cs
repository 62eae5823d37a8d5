namespace VirtualIp.Control;

/// <summary>The administrative overrides a router can carry (combinable, for <see cref="IVirtualRouterControl.Clear"/>).</summary>
[Flags]
public enum ControlOverrides
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>Resigned: gave mastership up and does not take it back until the delay passes or it is cleared.</summary>
    Resign = 1,

    /// <summary>Maintenance: never becomes master until cleared.</summary>
    Maintenance = 2,

    /// <summary>A priority set by an operator; tracking does not overwrite it.</summary>
    Priority = 4,

    /// <summary>A forced takeover (drill): master now, advertising priority 254, until cleared.</summary>
    Takeover = 8,

    /// <summary>Every override.</summary>
    All = Resign | Maintenance | Priority | Takeover,
}
