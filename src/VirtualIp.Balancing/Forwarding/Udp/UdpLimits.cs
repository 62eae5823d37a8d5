namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// The UDP limits of one forwarder, read once from validated <see cref="ForwarderOptions"/> (immutable), and the
/// admission rule for a new session: global cap, then per-source cap, then per-source rate.
/// </summary>
internal sealed class UdpLimits
{
    public UdpLimits(int maxSessions, int maxSessionsPerSource, double newSessionsPerSecondPerSource, TimeSpan idleTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSessions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSessionsPerSource, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(newSessionsPerSecondPerSource);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idleTimeout, TimeSpan.Zero);
        MaxSessions = maxSessions;
        MaxSessionsPerSource = maxSessionsPerSource;
        Rate = newSessionsPerSecondPerSource;
        Burst = Math.Max(1, newSessionsPerSecondPerSource);
        IdleTimeout = idleTimeout;
    }

    /// <summary>Most sessions at once (<see cref="ForwarderOptions.MaxConnections"/>).</summary>
    public int MaxSessions { get; }

    /// <summary>Most sessions of one source IP (<see cref="ForwarderUdpOptions.MaxSessionsPerSource"/>).</summary>
    public int MaxSessionsPerSource { get; }

    /// <summary>New sessions per second per source IP; 0 = no rate limit.</summary>
    public double Rate { get; }

    /// <summary>Token bucket size: one second's worth, at least 1.</summary>
    public double Burst { get; }

    public bool IsRateLimited => Rate > 0;

    /// <summary>A session with no datagram either way for this long ends.</summary>
    public TimeSpan IdleTimeout { get; }

    public static UdpLimits From(ForwarderOptions o) =>
        new(o.MaxConnections, o.Udp.MaxSessionsPerSource, o.Udp.NewSessionsPerSecondPerSource, o.UdpIdleTimeout);

    /// <summary>
    /// Null when a new session of <paramref name="source"/> may open (taking a rate token), else the
    /// <see cref="RefusalReasons"/> value. <paramref name="total"/> counts every session, admitted ones included.
    /// </summary>
    public string? Admit(int total, UdpSourceState source, long now, TimeProvider time)
    {
        if (total >= MaxSessions)
        {
            return RefusalReasons.SessionLimit;
        }

        if (source.Sessions >= MaxSessionsPerSource)
        {
            return RefusalReasons.SourceSessionLimit;
        }

        if (IsRateLimited && !source.TryTake(Rate, Burst, now, time))
        {
            return RefusalReasons.RateLimit;
        }

        return null;
    }
}
