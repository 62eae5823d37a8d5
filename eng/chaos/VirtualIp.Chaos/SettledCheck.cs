using System.Diagnostics;
using System.Text.RegularExpressions;

namespace VirtualIp.Chaos;

/// <summary>
/// The invariants that must hold once a fault has healed and the cluster has settled: for each VIP exactly one node
/// holds it (kernel addresses), that node is the highest-priority running member, it is the only Master of the VRID
/// by the members' own state lines (the others Backup), the client's neighbour entry for the VIP points at its MAC,
/// and the client's probes are answered by it.
/// </summary>
/// <summary>A broken invariant and the nodes whose behaviour broke it (the culprits; empty = the harness or nobody).</summary>
internal sealed record Problem(string Text, int[] Nodes);

/// <summary>The settled invariants (see the type's remarks in the file).</summary>
internal static partial class SettledCheck
{
    /// <summary>
    /// Checks the invariants; each problem names the nodes that broke it: a node that holds the VIP, claims Master or is
    /// not Backup when it should not; the expected holder when it lacks the VIP or mastership; for the client pointing
    /// at node X, X if X still holds the VIP or claims Master (it announced wrongly), else the expected holder (it did
    /// not make the client follow).
    /// </summary>
    public static List<Problem> Run(NamespaceLab lab, Member[] members, AddressSampler sampler, Prober v4, Prober v6)
    {
        var problems = new List<Problem>();
        var expected = members.Where(m => m.Running).OrderByDescending(m => m.Priority).FirstOrDefault();
        if (expected is null)
        {
            problems.Add(new Problem("no member is running", []));
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
            int e = expected.Node;
            int bit = 1 << (e - 1);
            var masters = members.Where(m => m.Running && m.StateOf(router) == "Master").Select(m => m.Node).ToArray();
            if (mask != bit)
            {
                int[] wrong = [.. Enumerable.Range(1, lab.Nodes).Where(n => n != e && (mask & (1 << (n - 1))) != 0)];
                problems.Add(new($"{family} VIP held by {FaultInjector.Nodes(mask)}, expected n{e} alone (highest-priority running member)",
                    (mask & bit) == 0 ? [.. wrong, e] : wrong));
            }

            if (masters.Length != 1 || masters[0] != e)
            {
                int[] wrong = [.. masters.Where(n => n != e)];
                problems.Add(new($"{router}: masters by the members' logs [{string.Join(",", masters.Select(n => $"n{n}"))}], expected [n{e}]",
                    masters.Contains(e) ? wrong : [.. wrong, e]));
            }

            var others = members.Where(m => m.Running && m.Node != e && m.StateOf(router) != "Backup").ToArray();
            if (others.Length > 0)
            {
                problems.Add(new($"{router}: not Backup: {string.Join(", ", others.Select(m => $"n{m.Node}={m.StateOf(router) ?? "-"}"))}", [.. others.Select(m => m.Node)]));
            }

            // The client follows the wrong node: that node's fault if it still holds the VIP or claims Master (it
            // announced wrongly), else the expected holder's (it did not make the client follow).
            int[] Follow(int x) => x != 0 && x != e && ((mask & (1 << (x - 1))) != 0 || masters.Contains(x)) ? [x] : [e];
            string? mac = Neighbour(neighbours, vip);
            if (!string.Equals(mac, NamespaceLab.NodeMac(e), StringComparison.OrdinalIgnoreCase))
            {
                int x = Enumerable.Range(1, lab.Nodes).FirstOrDefault(n => string.Equals(mac, NamespaceLab.NodeMac(n), StringComparison.OrdinalIgnoreCase));
                problems.Add(new($"client neighbour entry for {vip} is {mac ?? "absent"}, expected n{e} {NamespaceLab.NodeMac(e)}", Follow(x)));
            }

            int last = prober.LastResponder(now, TimeSpan.FromMilliseconds(200));
            if (last != e)
            {
                problems.Add(new($"{family} probes: last answer in the last 200 ms from {(last == 0 ? "nobody" : $"n{last}")}, expected n{e}", Follow(last)));
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
