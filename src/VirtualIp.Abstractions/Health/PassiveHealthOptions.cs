namespace VirtualIp.Health;

/// <summary>Passive health policy, like YARP's TransportFailureRate: too many failed connections in a window mark a backend down for a while.</summary>
public sealed class PassiveHealthOptions
{
    /// <summary>Failure rate (0 to 1) above which the backend is marked down. Default 0.3.</summary>
    public double FailureRateThreshold { get; set; } = 0.3;

    /// <summary>The sliding window over which the rate is computed. Default 60 s.</summary>
    public TimeSpan DetectionWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Minimum connection attempts in the window before the rate is judged. Default 10.</summary>
    public int MinimalTotalCount { get; set; } = 10;

    /// <summary>How long a passively failed backend stays down before it is tried again. Default 60 s.</summary>
    public TimeSpan ReactivationPeriod { get; set; } = TimeSpan.FromSeconds(60);
}
