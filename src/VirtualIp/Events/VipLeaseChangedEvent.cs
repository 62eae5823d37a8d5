using VirtualIp.Addressing;
using VirtualIp.Pools;

namespace VirtualIp.Events;

/// <summary>A dynamic-VIP lease granted by this node was acquired, renewed, released or expired.</summary>
public sealed record VipLeaseChangedEvent(DateTimeOffset Timestamp, string Pool, string Holder, VipAddress Vip, VipLeaseChange Change, DateTimeOffset ExpiresAt, string Reason)
    : VirtualIpEvent(Timestamp)
{
    /// <inheritdoc />
    public override string Kind => Change switch
    {
        VipLeaseChange.Acquired => "vip-lease-acquired",
        VipLeaseChange.Renewed => "vip-lease-renewed",
        VipLeaseChange.Released => "vip-lease-released",
        _ => "vip-lease-expired",
    };
}
