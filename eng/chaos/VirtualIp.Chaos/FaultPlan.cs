using System.Globalization;

namespace VirtualIp.Chaos;

/// <summary>
/// One fault of the plan: its kind, the node it hits (1-based; 0 for the whole machine or cluster), how long it
/// lasts before it heals (kill: the delay before the restart), for addr-del which VIP, for clock-step how far the
/// node's wall clock is stepped (and stepped back at the heal).
/// </summary>
internal sealed record Fault(int Index, string Kind, int Node, TimeSpan Duration, bool IPv6, TimeSpan Offset = default)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"#{Index} {Kind}{(Node > 0 ? $" n{Node}" : "")} {Duration.TotalMilliseconds:0}ms{(Kind == "addr-del" ? (IPv6 ? " ipv6" : " ipv4") : "")}{(Kind == "clock-step" ? $" {Offset.TotalSeconds:+0;-0}s" : "")}");
}

/// <summary>The faults drawn from a seed: the same seed and count give the same list, whatever the cluster kind.</summary>
internal static class FaultPlan
{
    /// <summary>Every kind the harness injects without authentication (the plan of a seed stays what it was).</summary>
    public static readonly string[] Kinds = ["kill", "freeze", "link", "partition", "advert-loss", "cpu-hog", "addr-del", "restart-all"];

    /// <summary>
    /// Drawn only with <c>--auth hmac</c>: one node's wall clock (CLOCK_REALTIME, through libfaketime: a time namespace
    /// offsets only the monotonic and boot clocks) is stepped, against the HMAC time window; see docs/chaos.md.
    /// </summary>
    public const string ClockStep = "clock-step";

    /// <summary>Every kind <c>--only</c> accepts.</summary>
    public static readonly string[] AllKinds = [.. Kinds, ClockStep];

    /// <param name="seed">The seed.</param>
    /// <param name="count">How many faults.</param>
    /// <param name="only">Only these kinds (null: all of <see cref="Kinds"/>, plus clock-step with <paramref name="clockStep"/>).</param>
    /// <param name="clockStep">Whether clock steps are drawn (HMAC time windows exist in the cluster).</param>
    /// <param name="window">The HMAC time window: half the steps stay inside it (must be seamless), half go far beyond.</param>
    public static List<Fault> Draw(int seed, int count, string[]? only, bool clockStep = false, TimeSpan window = default)
    {
        var random = new Random(seed);
        string[] kinds = only ?? (clockStep ? AllKinds : Kinds);
        var plan = new List<Fault>(count);
        for (int i = 1; i <= count; i++)
        {
            string kind = kinds[random.Next(kinds.Length)];

            // Half the node faults hit n1 (the master once settled), the rest n2 or n3.
            int node = random.Next(4) switch { 0 or 1 => 1, 2 => 2, _ => 3 };
            TimeSpan Ms(int min, int max) => TimeSpan.FromMilliseconds(random.Next(min, max + 1));
            var duration = kind switch
            {
                "kill" => Ms(0, 3000),          // delay before the restart
                "freeze" => Ms(100, 5000),      // SIGSTOP .. SIGCONT
                "link" => Ms(200, 3000),        // switch port down .. up
                "partition" => Ms(500, 4000),
                "advert-loss" => Ms(500, 4000),
                "cpu-hog" => Ms(2000, 4000),    // stress-ng --cpu 2
                ClockStep => Ms(1000, 5000),    // stepped .. stepped back
                "addr-del" => TimeSpan.Zero,
                _ => Ms(200, 1500),             // restart-all: stopped .. started
            };
            bool ipv6 = random.Next(2) == 1;
            var offset = TimeSpan.Zero;
            if (kind == ClockStep)
            {
                // Inside the window: 1 s .. window - 1 s; beyond it: 30 s .. 300 s; either way forward or back.
                int within = Math.Max(1, (int)window.TotalSeconds - 1);
                int seconds = random.Next(2) == 0 ? random.Next(1, within + 1) : random.Next(30, 301);
                offset = TimeSpan.FromSeconds(random.Next(2) == 0 ? seconds : -seconds);
            }

            plan.Add(new Fault(i, kind, kind is "cpu-hog" or "restart-all" ? 0 : node, duration, ipv6, offset));
        }

        return plan;
    }
}
