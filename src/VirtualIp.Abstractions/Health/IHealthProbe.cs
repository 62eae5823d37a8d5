namespace VirtualIp.Health;

/// <summary>
/// One health probe: a TCP connect, an HTTP GET, an ICMP echo, a command, a delegate or an ASP.NET health check.
/// The monitor calls <see cref="ProbeAsync"/> once per interval and never concurrently for the same check.
/// </summary>
public interface IHealthProbe
{
    /// <summary>Runs the probe once.</summary>
    /// <param name="cancellationToken">Cancelled when the check times out or is removed; the probe should stop promptly.</param>
    /// <returns>The result. A thrown exception counts as a failure whose reason names the exception.</returns>
    ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken);
}
