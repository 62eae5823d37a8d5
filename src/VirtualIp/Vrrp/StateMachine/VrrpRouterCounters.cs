namespace VirtualIp.Vrrp;

/// <summary>
/// The counters of one virtual router (what <see cref="VrrpRouterStatistics"/> snapshots). Written under the router's lock
/// by the part that sees the event (sender, validator, receive rules, transitions); read under the same lock.
/// Allocation-free except <see cref="Snapshot"/>.
/// </summary>
internal sealed class VrrpRouterCounters
{
    private readonly long[] _rejected = new long[VrrpRouterStatistics.ReasonCount];
    private long _sent;
    private long _received;
    private long _priorityZeroSent;
    private long _priorityZeroReceived;
    private long _transitions;
    private long _addressMismatches;
    private long _intervalMismatches;
    private long _sendErrors;
    private long _conflicts;

    /// <summary>Router conflicts detected (including those not raised as events because of the rate limit).</summary>
    public long Conflicts => _conflicts;

    /// <summary>One advert left for one destination.</summary>
    public void AdvertSent(byte priority)
    {
        _sent++;
        if (priority == 0)
        {
            _priorityZeroSent++;
        }
    }

    /// <summary>The transport failed to send one advert.</summary>
    public void SendFailed() => _sendErrors++;

    /// <summary>A valid advert passed every check.</summary>
    public void AdvertReceived(byte priority)
    {
        _received++;
        if (priority == 0)
        {
            _priorityZeroReceived++;
        }
    }

    /// <summary>A packet for this VRID was dropped.</summary>
    public void Rejected(VrrpRejectReason reason) => ++_rejected[(int)reason];

    /// <summary>An advert's interval differs from the configured one.</summary>
    public void IntervalMismatch() => _intervalMismatches++;

    /// <summary>An advert's address list differs from the configured VIPs.</summary>
    public void AddressListMismatch() => _addressMismatches++;

    /// <summary>A state change.</summary>
    public void Transition() => _transitions++;

    /// <summary>A router conflict (second master, stranger, priority 0 from a non-master).</summary>
    public void Conflict() => _conflicts++;

    /// <summary>A snapshot, with the transport's own (pre-VRID) rejections.</summary>
    public VrrpRouterStatistics Snapshot(long[] interfaceRejected) =>
        new(_sent, _received, _priorityZeroSent, _priorityZeroReceived, _transitions, _addressMismatches, _intervalMismatches, _sendErrors,
            (long[])_rejected.Clone(), interfaceRejected);
}
