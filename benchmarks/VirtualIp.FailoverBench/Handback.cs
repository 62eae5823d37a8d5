using System.Diagnostics;
using System.Globalization;
using System.Text;
using VirtualIp.FailoverBench;

/// <summary>
/// The hand-back event (issue 16, item 2): n1 (150) stops, n2 (100) takes over, then n1 comes back and preempts while
/// the client probes the VIP. Lost probes = probes sent during the hand-back that no reply answered (each reply carries
/// its probe's send stamp back); the longest reply gap is kept beside it.
/// </summary>
internal sealed partial class FailoverBench
{
    private RunResult RunHandback(string impl, TimeSpan interval, int run)
    {
        var high = Make(impl, 1, 150, interval);
        var low = Make(impl, 2, 100, interval);
        RouterDaemon? back = null;
        var timeout = 3 * MasterDown(interval) + TimeSpan.FromSeconds(20);
        try
        {
            if (Converge(high, low, interval) is { } problem)
            {
                return Failed(problem);
            }

            high.Terminate();
            if (!WaitUntil(() => low.CurrentState == "Master" && _prober.SteadyFrom(2, TimeSpan.FromSeconds(1)), timeout))
            {
                return Failed($"n2 did not take over (n2 {low.CurrentState})");
            }

            high.WaitForExit(TimeSpan.FromSeconds(5));
            back = Make(impl, 1, 150, interval);
            var fromUtc = DateTime.UtcNow;
            long from = Stopwatch.GetTimestamp();
            back.Start();
            bool done = WaitUntil(() => back.CurrentState == "Master" && low.CurrentState == "Backup" && _prober.SteadyFrom(1, TimeSpan.FromSeconds(1)), timeout);
            long to = Stopwatch.GetTimestamp();
            if (!done)
            {
                return Failed($"no hand-back in {timeout.TotalSeconds:0}s (n1 {back.CurrentState ?? "-"}, n2 {low.CurrentState})");
            }

            Thread.Sleep(100);
            double gap = Prober.LongestGapMs(_prober.RepliesSince(from), from, to);

            // The order on the wire: the returning master's first gratuitous ARP and its first advert (negative: the
            // advert left first, so the old master let go before clients moved).
            var wire = _wire.Since(fromUtc);
            var garp = wire.Where(w => w.IsGarp && w.SourceMac == NamespaceLab.NodeMac(1)).Select(w => (DateTime?)w.At).FirstOrDefault();
            var advert = wire.Where(w => !w.IsGarp && w.VrrpSource == NamespaceLab.NodeIPv4(1) && w.VrrpPriority > 0).Select(w => (DateTime?)w.At).FirstOrDefault();
            double? advertAfterGarp = garp is { } g && advert is { } a ? (a - g).TotalMilliseconds : null;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"# {impl} handback run {run}: lost {_prober.LostBetween(from, to)}, gap {gap:0.0} ms, first advert {advertAfterGarp:0.0} ms after the first GARP; n1: {back.Log.Split('\n').FirstOrDefault(l => l.Contains("-> Master", StringComparison.Ordinal))}"));
            return new RunResult(impl, interval, "handback", run, gap, null, null, advertAfterGarp, 0, null, LostProbes: _prober.LostBetween(from, to));
        }
        finally
        {
            if (back is null)
            {
                Reset(high, low);
            }
            else
            {
                high.Dispose(); // exited on SIGTERM already
                Reset(back, low);
            }
        }

        RunResult Failed(string why)
        {
            Console.Error.WriteLine($"--- {impl} {interval.TotalMilliseconds}ms handback run {run}: {why}\n--- n1:\n{Tail(high.Log)}\n--- n2:\n{Tail(low.Log)}");
            return new RunResult(impl, interval, "handback", run, null, null, null, null, 0, why);
        }
    }

    private void HandbackReport(StringBuilder sb)
    {
        if (!o.Events.Contains("handback"))
        {
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine();
        sb.AppendLine(string.Create(inv, $"Hand-back (the old master returns and preempts): probes lost per hand-back, probe every {o.ProbePeriod.TotalMilliseconds} ms (probes sent and never answered, matched by sequence stamp; the longest reply gap is in the CSV). Target: ours 0 in every run, ≤ keepalived."));
        sb.AppendLine();
        sb.AppendLine("| advert | VirtualIp.Failover: lost per run | keepalived: lost per run | ours total ≤ keepalived total |");
        sb.AppendLine("|---|---|---|---|");
        foreach (var interval in o.Intervals)
        {
            var ours = _results.Where(r => r.Impl == "ours" && r.Event == "handback" && r.Interval == interval && r.OutageMs is not null).Select(r => r.LostProbes ?? 0).ToList();
            var ka = _results.Where(r => r.Impl == "keepalived" && r.Event == "handback" && r.Interval == interval && r.OutageMs is not null).Select(r => r.LostProbes ?? 0).ToList();
            string Runs(List<int> l) => l.Count == 0 ? "-" : string.Join(",", l) + $" (n={l.Count})";
            string vs = ours.Count == 0 || ka.Count == 0 ? "-" : ours.Sum() <= ka.Sum() ? "yes" : "no";
            sb.AppendLine($"| {RouterDaemon.Ms(interval)} | {Runs(ours)} | {Runs(ka)} | {vs} |");
        }
    }
}
