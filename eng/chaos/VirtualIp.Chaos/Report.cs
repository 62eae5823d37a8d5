using System.Globalization;
using System.Text;

namespace VirtualIp.Chaos;

/// <summary>faults.tsv (one row per fault) and summary.md (median / p99 / max outage per fault kind).</summary>
internal static class Report
{
    public static void Write(string outDir, ChaosConfig c, List<Fault> plan, ChaosRun run, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        var tsv = new StringBuilder("index\tkind\tlabel\tnode\tduration_ms\toutage_v4_ms\toutage_v6_ms\tfailover_v4_ms\tfailover_v6_ms\tafter_heal_v4_ms\tafter_heal_v6_ms\ttwo_holders_ms\tlate_ms\tbound_ms\tviolations\tvoid\tat_utc\n");
        foreach (var r in run.Results)
        {
            tsv.Append(inv, $"{r.Fault.Index}\t{r.Fault.Kind}\t{r.Label}\t{r.Fault.Node}\t{r.Fault.Duration.TotalMilliseconds:0}\t{r.OutageV4:0.0}\t{r.OutageV6:0.0}\t{Ms(r.FailoverV4)}\t{Ms(r.FailoverV6)}\t{r.AfterHealV4:0.0}\t{r.AfterHealV6:0.0}\t{r.DualMs:0}\t{r.LateMs:0}\t{r.BoundMs?.ToString("0", inv) ?? "-"}\t{string.Join(" | ", r.Violations)}\t{string.Join(" | ", r.Voids)}\t{r.At:HH:mm:ss.fff}\n");
        }

        File.WriteAllText(Path.Combine(outDir, "faults.tsv"), tsv.ToString());
        File.WriteAllLines(Path.Combine(outDir, "plan.txt"), [$"seed {c.Seed} faults {c.Faults} kind {c.Kind}", .. plan.Select(f => f.ToString())]);

        var md = new StringBuilder();
        var culprits = run.Violations.GroupBy(v => v.Culprit).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
        md.Append(inv, $"Chaos run: `--seed {c.Seed} --faults {c.Faults} --kind {c.Kind}`{(c.Kind == "ours" ? "" : c.KeepalivedSendsAdvertOnYield ? " (keepalived: vrrp_higher_prio_send_advert on)" : " (keepalived: stock, silent yield)")}{(c.Hmac ? string.Create(CultureInfo.InvariantCulture, $", auth_hmac (time window {c.HmacWindow.TotalSeconds:0} s)") : "")}, advert {c.IntervalText}, settle {c.Settle.TotalMilliseconds:0} ms, {run.Results.Count} faults in {elapsed.TotalMinutes:0.0} min, {run.Violations.Count} violation(s)");
        md.Append(run.Violations.Count > 0 ? $" (by culprit: {string.Join(", ", culprits)})" : "").Append(inv, $", {run.Voids.Count} void check(s).\n");
        md.Append(inv, $"Address sampler: {run.SamplerStats}.\n\n");
        md.Append("Per fault the worse of IPv4 and IPv6. Outage: longest reply gap from the fault to the settled check. Failover: fault to the first reply from\n");
        md.Append("the new holder (crash of the master: kill, or freeze/link longer than Master_Down_Interval + 50 ms). After heal: longest gap once the fault\n");
        md.Append("healed and service was back (for a crash of the master: the hand-back when it returns).\n\n");
        md.Append("| fault | n | outage median / p99 / max (ms) | failover median / p99 / max (ms) | after heal median / p99 / max (ms) | two holders max (ms) | settled late (n, max ms) | violations |\n");
        md.Append("|---|---:|---|---|---|---:|---|---:|\n");
        foreach (var g in run.Results.GroupBy(r => r.Label).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var late = g.Where(r => r.LateMs > 0).ToList();
            md.Append(inv, $"| {g.Key} | {g.Count()} | {Stats(g.Select(r => Math.Max(r.OutageV4, r.OutageV6)))} | {Stats(g.Select(r => Math.Max(r.FailoverV4, r.FailoverV6)).Where(x => !double.IsNaN(x)))} | {Stats(g.Select(r => Math.Max(r.AfterHealV4, r.AfterHealV6)))} | {g.Max(r => r.DualMs):0} | {late.Count}{(late.Count > 0 ? $", {late.Max(r => r.LateMs):0}" : "")} | {g.Sum(r => r.Violations.Count)} |\n");
        }

        if (run.Violations.Count > 0)
        {
            md.Append("\nViolations:\n");
            foreach (var v in run.Violations)
            {
                md.Append("- ").Append(v).Append('\n');
            }
        }

        if (run.Voids.Count > 0)
        {
            md.Append("\nVoid checks (the harness stalled; not violations):\n");
            foreach (var v in run.Voids)
            {
                md.Append("- ").Append(v).Append('\n');
            }
        }

        File.WriteAllText(Path.Combine(outDir, "summary.md"), md.ToString());
        Console.WriteLine();
        Console.Write(md.ToString());
        if (run.Violations.Count > 0)
        {
            File.WriteAllLines(Path.Combine(outDir, "violations.txt"), [$"seed {c.Seed} faults {c.Faults} kind {c.Kind}", .. run.Violations.Select(v => v.ToString())]);
        }
    }

    private static string Ms(double v) => double.IsNaN(v) ? "-" : v.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Stats(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0)
        {
            return "-";
        }

        double Pct(double p) => v[Math.Min(v.Length - 1, (int)Math.Ceiling(p * v.Length) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"{Pct(0.5):0} / {Pct(0.99):0} / {v[^1]:0}");
    }
}
