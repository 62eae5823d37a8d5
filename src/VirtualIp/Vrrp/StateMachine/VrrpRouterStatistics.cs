namespace VirtualIp.Vrrp;

/// <summary>
/// A snapshot of a virtual router's counters, for metrics. Counters only grow while the process lives.
/// </summary>
public sealed class VrrpRouterStatistics
{
    private readonly long[] _rejected;
    private readonly long[] _interfaceRejected;

    internal VrrpRouterStatistics(long sent, long received, long priorityZeroSent, long priorityZeroReceived, long transitions,
        long addressListMismatches, long intervalMismatches, long sendErrors, long[] rejected, long[] interfaceRejected)
    {
        AdvertisementsSent = sent;
        AdvertisementsReceived = received;
        PriorityZeroSent = priorityZeroSent;
        PriorityZeroReceived = priorityZeroReceived;
        Transitions = transitions;
        AddressListMismatches = addressListMismatches;
        IntervalMismatches = intervalMismatches;
        SendErrors = sendErrors;
        _rejected = rejected;
        _interfaceRejected = interfaceRejected;
    }

    /// <summary>Adverts sent (one per destination), including priority-0 adverts.</summary>
    public long AdvertisementsSent { get; }

    /// <summary>Valid adverts received for this VRID (after every check).</summary>
    public long AdvertisementsReceived { get; }

    /// <summary>Priority-0 adverts sent (leaving master).</summary>
    public long PriorityZeroSent { get; }

    /// <summary>Priority-0 adverts received.</summary>
    public long PriorityZeroReceived { get; }

    /// <summary>State changes.</summary>
    public long Transitions { get; }

    /// <summary>Adverts accepted although their address list differs from the configured VIPs (RFC: SHOULD log; keepalived accepts).</summary>
    public long AddressListMismatches { get; }

    /// <summary>
    /// Adverts whose interval differs from the configured one. VRRPv3 adopts the master's interval and counts it here;
    /// VRRPv2 discards them (RFC 3768 section 7.1) and counts them here too (there is no <see cref="VrrpRejectReason"/> for it).
    /// </summary>
    public long IntervalMismatches { get; }

    /// <summary>Transport send failures.</summary>
    public long SendErrors { get; }

    /// <summary>Packets carrying this VRID that were dropped, by reason.</summary>
    public long GetRejected(VrrpRejectReason reason) => (uint)reason < (uint)_rejected.Length ? _rejected[(int)reason] : 0;

    /// <summary>
    /// Packets dropped on this router's transport before a VRID could be matched (unknown VRID, own packets, truncated),
    /// shared by every router on the same transport.
    /// </summary>
    public long GetInterfaceRejected(VrrpRejectReason reason) => (uint)reason < (uint)_interfaceRejected.Length ? _interfaceRejected[(int)reason] : 0;

    /// <summary>All packets dropped for this VRID.</summary>
    public long TotalRejected
    {
        get
        {
            long sum = 0;
            foreach (long v in _rejected)
            {
                sum += v;
            }

            return sum;
        }
    }

    internal static readonly int ReasonCount = (int)Enum.GetValues<VrrpRejectReason>().Max() + 1;
}
