using System.Diagnostics;
using System.Text.RegularExpressions;

namespace VirtualIp.Chaos;

/// <summary>
/// The invariants that must hold once a fault has healed and the cluster has settled: for each VIP exactly one node
/// holds it (kernel addresses), that node is the highest-priority running member, it is the only Master of the VRID
/// by the members' own state lines (the others Backup), the client's neighbour entry for the VIP points at its MAC,
/// and the client's probes are answered by it.
/// </summary>
internal static partial class SettledCheck
{
    public static List<string> Run(ChaosLab lab, Member[] members, AddressSampler sampler, Prober v4, Prober v6)
    {
        var problems = new List<string>();
        var expected = members.Where(m => m.Running).OrderByDescending(m => m.Priority).FirstOrDefault();
        if (expected is null)
        {
            problems.Add("no member is running");
            return problems;
        }

        var holders = sampler.Fresh();
        var neighbours = Shell.Run("ip", "-n", lab.Client, "neigh", "show", "dev", "eth0").Output;
        long now = Stopwatch.GetTimestamp();
        foreach (var (router, family, mask, vip, prober) in new[]
        {
            ("VI_51", "IPv4", holders.V4, ChaosConfig.VipV4, v4),
            ("VI_52", "IPv6", holders.V6, ChaosConfig.VipV6, v6),
        })
        {
            int bit = 1 << (expected.Node - 1);
            if (mask != bit)
            {
                problems.Add($"{family} VIP held by {FaultInjector.Nodes(mask)}, expected n{expected.Node} alone (highest-priority running member)");
            }

            var masters = members.Where(m => m.Running && m.StateOf(router) == "Master").Select(m => m.Node).ToArray();
            if (masters.Length != 1 || masters[0] != expected.Node)
            {
                problems.Add($"{router}: masters by the members' logs [{string.Join(",", masters.Select(n => $"n{n}"))}], expected [n{expected.Node}]");
            }

            var others = members.Where(m => m.Running && m.Node != expected.Node && m.StateOf(router) != "Backup").ToArray();
            if (others.Length > 0)
            {
                problems.Add($"{router}: not Backup: {string.Join(", ", others.Select(m => $"n{m.Node}={m.StateOf(router) ?? "-"}"))}");
            }

            string? mac = Neighbour(neighbours, vip);
            if (!string.Equals(mac, ChaosLab.NodeMac(expected.Node), StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"client neighbour entry for {vip} is {mac ?? "absent"}, expected n{expected.Node} {ChaosLab.NodeMac(expected.Node)}");
            }

            int last = prober.LastResponder(now, TimeSpan.FromMilliseconds(200));
            if (last != expected.Node)
            {
                problems.Add($"{family} probes: last answer in the last 200 ms from {(last == 0 ? "nobody" : $"n{last}")}, expected n{expected.Node}");
            }
        }

        return problems;
    }

    /// <summary>The lladdr of <paramref name="vip"/> in <c>ip neigh show</c> output, or null.</summary>
    private static string? Neighbour(string table, string vip)
    {
        foreach (var line in table.Split('\n'))
        {
            if (line.StartsWith(vip + " ", StringComparison.Ordinal) && LlAddr().Match(line) is { Success: true } m)
            {
                return m.Groups[1].Value;
            }
        }

        return null;
    }

    [GeneratedRegex(@"lladdr (\S+)")]
    private static partial Regex LlAddr();
}
