namespace VirtualIp.Health;

/// <summary>How one health check is scheduled and judged.</summary>
public sealed class HealthCheckOptions
{
    /// <summary>Unique name of the check (used in events, logs, metric tags and tracking).</summary>
    public string Name { get; set; } = "";

    /// <summary>Time between probe starts. Default 2 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A probe still running after this long is cancelled and counts as a failure with reason "timeout". Default 1 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Consecutive successes that bring a Down check Up. Default 2.</summary>
    public int Rise { get; set; } = 2;

    /// <summary>Consecutive failures that bring an Up check Down. Default 2.</summary>
    public int Fall { get; set; } = 2;

    /// <summary>
    /// The state before the first result. <see cref="HealthState.Unknown"/> (default): the first result decides;
    /// <see cref="HealthState.Up"/>: <see cref="Fall"/> failures are needed to go down; <see cref="HealthState.Down"/>:
    /// <see cref="Rise"/> successes are needed to go up.
    /// </summary>
    public HealthState InitialState { get; set; } = HealthState.Unknown;

    /// <summary>
    /// Fraction of <see cref="Interval"/> (0 to 0.5) by which each wait is randomly shortened, so the checks of many nodes
    /// drift apart; the first probe starts after a random part of it. Default 0.1. Waits never exceed <see cref="Interval"/>.
    /// </summary>
    public double JitterFraction { get; set; } = 0.1;

    /// <summary>
    /// keepalived tracking weight (-253 to 253): a positive weight is added to the VRRP priority while the check is Up,
    /// a negative weight is subtracted while it is Down, and 0 puts the virtual router in Fault while it is Down.
    /// </summary>
    public int Weight { get; set; }
}
