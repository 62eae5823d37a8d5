using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace VirtualIp.Health;

/// <summary>The "VirtualIp" meter's health instruments.</summary>
internal sealed class HealthMetrics
{
    /// <summary>The meter name shared by all VirtualIp instruments.</summary>
    public const string MeterName = "VirtualIp";

    private static readonly Lazy<HealthMetrics> s_shared = new(() => new HealthMetrics(new Meter(MeterName)));

    private readonly Counter<long> _checks;
    private readonly Histogram<double> _duration;

    private HealthMetrics(Meter meter)
    {
        _checks = meter.CreateCounter<long>("virtualip.health.checks", "{check}", "Health probes run, tagged by check and result.");
        _duration = meter.CreateHistogram<double>("virtualip.health.check.duration", "s", "Health probe duration.");
    }

    /// <summary>Instruments on a meter from <paramref name="meterFactory"/>, or on a process-wide meter when null.</summary>
    public static HealthMetrics Create(IMeterFactory? meterFactory) =>
        meterFactory is null ? s_shared.Value : new HealthMetrics(meterFactory.Create(MeterName));

    /// <summary>Records one probe result.</summary>
    public void Record(string check, in ProbeResult result)
    {
        if (_checks.Enabled)
        {
            var tags = new TagList
            {
                { "check", check },
                { "result", result.Healthy ? "success" : ReferenceEquals(result.Reason, ProbeReasons.Timeout) ? "timeout" : "failure" },
            };
            _checks.Add(1, tags);
        }

        if (_duration.Enabled)
        {
            _duration.Record(result.Duration.TotalSeconds, new KeyValuePair<string, object?>("check", check));
        }
    }
}
