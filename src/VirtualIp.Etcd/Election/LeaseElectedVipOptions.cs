using VirtualIp.Addressing;

namespace VirtualIp.Etcd;

/// <summary>A floating VIP owned by whichever node holds an etcd key on its lease (for networks where VRRP cannot run).</summary>
public sealed class LeaseElectedVipOptions
{
    /// <summary>The VIP's name: the election key is PREFIX + "elections/" + name.</summary>
    public string Name { get; set; } = "vip";

    /// <summary>The interface the owner binds the VIP on and announces it from.</summary>
    public string Interface { get; set; } = "";

    /// <summary>The VIP.</summary>
    public VipAddress? Vip { get; set; }

    /// <summary>Health checks (by name) that must all be up for this node to campaign; an owner whose check fails resigns.</summary>
    public IList<string> TrackChecks { get; } = [];

    /// <summary>How often a node that does not own the VIP looks whether the key is free (default 200 ms).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);
}
