using VirtualIp.Binding;

namespace VirtualIp.Binding;

/// <summary>How <see cref="VipGuard"/> reacts when a held VIP disappears.</summary>
internal sealed class VipGuardOptions
{
    /// <summary>Put a deleted VIP back (default true). When false the guard only reports the deletion.</summary>
    public bool RestoreDeleted { get; init; } = true;

    /// <summary>
    /// How long to wait after a deletion (or a resync, or the link coming up) before checking and restoring, so a
    /// burst of changes leads to one check. Default 50 ms.
    /// </summary>
    public TimeSpan RestoreDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The options used when putting a VIP back (default: <see cref="VipBindOptions"/> defaults).</summary>
    public VipBindOptions? BindOptions { get; init; }
}
