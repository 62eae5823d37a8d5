using System.Globalization;

namespace VirtualIp.Chaos;

/// <summary>
/// One fault of the plan: its kind, the node it hits (1-based; 0 for the whole machine or cluster), how long it
/// lasts before it heals (kill: the delay before the restart), and for addr-del which VIP.
/// </summary>
internal sealed record Fault(int Index, string Kind, int Node, TimeSpan Duration, bool IPv6)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"#{Index} {Kind}{(Node > 0 ? $" n{Node}" : "")} {Duration.TotalMilliseconds:0}ms{(Kind == "addr-del" ? (IPv6 ? " ipv6" : " ipv4") : "")}");
}

/// <summary>The faults drawn from a seed: the same seed and count give the same list, whatever the cluster kind.</summary>
internal static class FaultPlan
{
    /// <summary>
    /// Every kind the harness injects. The issue's "clock step on one node" is not among them: a step of
    /// CLOCK_REALTIME is machine-wide (a time namespace offsets only the monotonic and boot clocks); see docs/chaos.md.
    /// </summary>
    public static readonly string[] Kinds = ["kill", "freeze", "link", "partition", "advert-loss", "cpu-hog", "addr-del", "restart-all"];

    public static List<Fault> Draw(int seed, int count, string[]? only)
    {
        var random = new Random(seed);
        string[] kinds = only ?? Kinds;
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
                "addr-del" => TimeSpan.Zero,
                _ => Ms(200, 1500),             // restart-all: stopped .. started
            };
            bool ipv6 = random.Next(2) == 1;
            plan.Add(new Fault(i, kind, kind is "cpu-hog" or "restart-all" ? 0 : node, duration, ipv6));
        }

        return plan;
    }
}
