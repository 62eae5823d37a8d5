using System.Diagnostics;
using System.Diagnostics.Metrics;
using VirtualIp.Diagnostics;

namespace VirtualIp.Health;

/// <summary>
/// Health-check instruments on the <see cref="VirtualIpMeters.Core"/> meter. Created through the host's
/// <see cref="IMeterFactory"/>; without one (a monitor built by hand) nothing is recorded.
/// </summary>
internal sealed class HealthMetrics
{
    private readonly Counter<long>? _checks;
    private readonly Histogram<double>? _duration;

    public HealthMetrics(IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            return;
        }

        var meter = meterFactory.Create(VirtualIpMeters.Core);
        _checks = meter.CreateCounter<long>("virtualip.health.checks", "{check}", "Health probes run, by check and result.");
        _duration = meter.CreateHistogram<double>("virtualip.health.check.duration", "s", "Health probe duration, by check.",
            tags: null, advice: MetricNames.ProbeBuckets);
    }

    /// <summary>Records one probe result.</summary>
    public void Record(string check, in ProbeResult result)
    {
        if (_checks is { Enabled: true })
        {
            var tags = new TagList
            {
                { MetricNames.HealthCheckName, check },
                { MetricNames.HealthCheckResult, result.Healthy ? "success" : ReferenceEquals(result.Reason, ProbeReasons.Timeout) ? "timeout" : "failure" },
            };
            _checks.Add(1, tags);
        }

        if (_duration is { Enabled: true })
        {
            _duration.Record(result.Duration.TotalSeconds, new KeyValuePair<string, object?>(MetricNames.HealthCheckName, check));
        }
    }
}
