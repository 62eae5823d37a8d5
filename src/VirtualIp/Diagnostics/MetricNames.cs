using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using System.Text;
using VirtualIp.Election;

namespace VirtualIp.Diagnostics;

/// <summary>
/// The attribute vocabulary shared by every VirtualIp instrument (OpenTelemetry semantic-convention style: lower-case,
/// dot-separated namespaces, snake_case values), and the histogram bucket advice. docs/metrics.md lists them.
/// </summary>
internal static class MetricNames
{
    public const string RouterName = "virtualip.router.name";
    public const string InterfaceName = "network.interface.name";
    public const string StateTag = "virtualip.vrrp.state";
    public const string PreviousStateTag = "virtualip.vrrp.previous_state";
    public const string TransitionReason = "virtualip.vrrp.transition.reason";
    public const string ErrorType = "error.type";
    public const string VipOperation = "virtualip.vip.operation";
    public const string PoolName = "virtualip.pool.name";
    public const string PoolAddressState = "virtualip.pool.address.state";
    public const string HealthCheckName = "virtualip.health.check.name";
    public const string HealthCheckResult = "virtualip.health.check.result";

    /// <summary>Failover times: 5 ms to 10 s, dense between 50 ms and 3 s where VRRP skew times and down intervals fall.</summary>
    public static readonly InstrumentAdvice<double> TakeoverBuckets = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10],
    };

    /// <summary>Probe durations: 1 ms to 10 s (probe timeouts are seconds).</summary>
    public static readonly InstrumentAdvice<double> ProbeBuckets = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private static readonly string[] s_states = [.. Enum.GetValues<VrrpState>().Select(s => SnakeCase(s.ToString()))];

    private static readonly FrozenDictionary<VrrpTransitionReason, string> s_reasons =
        Enum.GetValues<VrrpTransitionReason>().ToFrozenDictionary(r => r, r => SnakeCase(r.ToString()));

    /// <summary>Every state, in enum order, as the <see cref="StateTag"/> attribute values.</summary>
    public static IReadOnlyList<VrrpState> States { get; } = Enum.GetValues<VrrpState>();

    /// <summary>"initialize", "backup", "master", "fault".</summary>
    public static string ToValue(VrrpState state) => (uint)state < (uint)s_states.Length ? s_states[(int)state] : SnakeCase(state.ToString());

    /// <summary>"master_down_timer", "higher_priority_advert", ...</summary>
    public static string ToValue(VrrpTransitionReason reason) => s_reasons.TryGetValue(reason, out var v) ? v : SnakeCase(reason.ToString());

    /// <summary>"MasterDownTimer" → "master_down_timer".</summary>
    public static string SnakeCase(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
