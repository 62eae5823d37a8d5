namespace VirtualIp.Balancing.Forwarding;

/// <summary>What the session table keeps per source IP: its open sessions and its new-session token bucket.</summary>
internal sealed class UdpSourceState
{
    private double _tokens;
    private long _refilled;

    public UdpSourceState(double burst, long now)
    {
        _tokens = burst;
        _refilled = now;
    }

    /// <summary>Sessions of this source open now (admitted ones included).</summary>
    public int Sessions { get; set; }

    /// <summary>Takes one token when the bucket (<paramref name="rate"/> per second, at most <paramref name="burst"/>) has one.</summary>
    public bool TryTake(double rate, double burst, long now, TimeProvider time)
    {
        Refill(rate, burst, now, time);
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }

    /// <summary>True when the source has no session and a full bucket: forgetting it changes nothing.</summary>
    public bool IsForgettable(double rate, double burst, long now, TimeProvider time)
    {
        if (Sessions > 0)
        {
            return false;
        }

        Refill(rate, burst, now, time);
        return _tokens >= burst;
    }

    private void Refill(double rate, double burst, long now, TimeProvider time)
    {
        double add = time.GetElapsedTime(_refilled, now).TotalSeconds * rate;
        _refilled = now;
        _tokens = Math.Min(burst, _tokens + add);
    }
}
