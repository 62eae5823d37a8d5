using VirtualIp.Addressing;
using VirtualIp.Events;

namespace VirtualIp.Etcd;

/// <summary>This node became or stopped being the owner of a lease-elected VIP.</summary>
public sealed record LeaseElectionChangedEvent(DateTimeOffset Timestamp, string Name, VipAddress Vip, bool Owner, string Reason) : VirtualIpEvent(Timestamp)
{
    /// <inheritdoc />
    public override string Kind => Owner ? "lease-elected-owner" : "lease-elected-released";
}
