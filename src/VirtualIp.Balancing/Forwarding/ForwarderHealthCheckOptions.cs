namespace VirtualIp.Balancing;

/// <summary>
/// Active health checks of a forwarder's backends: when an <c>IHealthMonitor</c> is registered
/// (<c>services.AddVirtualIpHealth()</c>), the forwarder adds one TCP connect check per backend (to the backend's own
/// address unless <see cref="ForwarderBackendOptions.HealthCheckAddress"/> is set). A backend whose check is down is
/// skipped until it comes back up; passive health (failed forwarded connections) still applies on top.
/// </summary>
public sealed class ForwarderHealthCheckOptions
{
    /// <summary>Whether the checks run (when a monitor is registered). Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between probes. Default 2 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A connect still pending after this long fails. Default 1 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Consecutive successful probes that bring a down backend back. Default 2.</summary>
    public int Rise { get; set; } = 2;

    /// <summary>Consecutive failed probes that take a backend out. Default 3.</summary>
    public int Fall { get; set; } = 3;

    /// <summary>Fraction (0 to 0.5) by which each wait is randomly shortened so checks drift apart. Default 0.1.</summary>
    public double JitterFraction { get; set; } = 0.1;

    internal void Validate(List<string> errors)
    {
        const string P = nameof(ForwarderOptions.HealthCheck) + ".";
        if (Interval <= TimeSpan.Zero || Interval == System.Threading.Timeout.InfiniteTimeSpan)
        {
            errors.Add($"{P}{nameof(Interval)} {Interval} must be more than zero.");
        }

        if (Timeout <= TimeSpan.Zero || Timeout == System.Threading.Timeout.InfiniteTimeSpan)
        {
            errors.Add($"{P}{nameof(Timeout)} {Timeout} must be more than zero.");
        }

        if (Rise is < 1 or > 100)
        {
            errors.Add($"{P}{nameof(Rise)} {Rise} is not 1 to 100.");
        }

        if (Fall is < 1 or > 100)
        {
            errors.Add($"{P}{nameof(Fall)} {Fall} is not 1 to 100.");
        }

        if (!(JitterFraction is >= 0 and <= 0.5))
        {
            errors.Add($"{P}{nameof(JitterFraction)} {JitterFraction} is not 0 to 0.5.");
        }
    }
}
