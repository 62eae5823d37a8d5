using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace VirtualIp.Chaos;

/// <summary>
/// What one fault did, per VIP family: outage = longest gap between probe replies over the whole fault window (fault
/// to settled check, so it includes a later hand-back); failover = from the fault to the first reply from another node
/// (crash faults of the master only, NaN otherwise: what the Master_Down_Interval bound is about); after heal = the
/// longest gap once the fault healed and service had come back (for a crash of the master: the hand-back when it
/// returns); the time two nodes held a VIP at once; how late the cluster settled beyond Master_Down_Interval + 2
/// adverts; the invariants it broke and the checks that were void (the harness itself stalled).
/// </summary>
internal sealed record FaultResult(Fault Fault, string Label, double OutageV4, double OutageV6, double DualMs, double LateMs, double? BoundMs, List<string> Violations)
{
    public double FailoverV4 { get; init; } = double.NaN;

    public double FailoverV6 { get; init; } = double.NaN;

    public double AfterHealV4 { get; init; }

    public double AfterHealV6 { get; init; }

    public List<string> Voids { get; } = [];

    /// <summary>When the fault was injected (UTC), to find it in the members' logs and the pcap.</summary>
    public DateTime At { get; init; }
}

/// <summary>A broken invariant: the fault (0 = none), what broke, and whose behaviour broke it (ours, keepalived,
/// ours+keepalived when both were implicated, harness when no member was).</summary>
internal sealed record ViolationRecord(int Fault, string Text, string Culprit)
{
    public override string ToString() => Fault == 0 ? $"[{Culprit}] {Text}" : $"fault #{Fault} [{Culprit}]: {Text}";
}

/// <summary>The harness: builds the lab, starts the members, injects the plan, checks the invariants, cleans up.</summary>
internal sealed class ChaosRun(ChaosConfig config, string outDir, string work, CancellationToken ct)
{
    private static readonly HashSet<string> s_excusesTwoHolders = ["kill", "freeze", "link", "partition", "advert-loss", "restart-all"];
    private static readonly TimeSpan s_lateGrace = TimeSpan.FromSeconds(5);
    private readonly List<ViolationRecord> _violations = [];
    private readonly List<string> _voids = [];
    private readonly List<(long From, long To)> _excused = [];
    private Member[] _members = [];

    public List<FaultResult> Results { get; } = [];

    public IReadOnlyList<ViolationRecord> Violations => _violations;

    /// <summary>Checks that could not be judged because the harness itself stalled (not violations).</summary>
    public IReadOnlyList<string> Voids => _voids;

    public string SamplerStats { get; private set; } = "";

    public int Execute(List<Fault> plan)
    {
        var lab = NamespaceLab.Create(3, config.LabId);
        var pcap = Child.Start(lab.Switch, "tcpdump", ["-i", "br0", "-n", "-s", "200", "-U", "-w", Path.Combine(outDir, "chaos.pcap"), "not udp port " + ChaosConfig.EchoPort], work);
        var responders = Enumerable.Range(1, 3).Select(i => new EchoResponder(lab.Node(i), ChaosConfig.EchoPort, (byte)i)).ToArray();
        var members = Enumerable.Range(1, 3).Select(i => config.MemberKind(i) == "ours"
            ? (Member)new OursMember(i, lab.Node(i), config.Priorities[i - 1], config, Path.Combine(work, $"n{i}"))
            : new KeepalivedMember(i, lab.Node(i), config.Priorities[i - 1], config, Path.Combine(work, $"n{i}"))).ToArray();
        _members = members;
        using var sampler = new AddressSampler(lab, TimeSpan.FromMilliseconds(10));
        try
        {
            foreach (var m in members)
            {
                m.Start();
            }

            using var v4 = new Prober(lab.Client, IPAddress.Parse(ChaosConfig.VipV4), ChaosConfig.EchoPort, TimeSpan.FromMilliseconds(5));
            using var v6 = new Prober(lab.Client, IPAddress.Parse(ChaosConfig.VipV6), ChaosConfig.EchoPort, TimeSpan.FromMilliseconds(5));
            var injector = new FaultInjector(lab, members, responders, sampler, work);
            FaultResult? current = null;
            injector.Violation += (v, nodes) => Violate(current?.Fault.Index ?? 0, new Problem(v, nodes), current?.Violations);

            // Initial election (includes dotnet start-up on a loaded machine).
            var startup = Converge(lab, members, sampler, v4, v6, TimeSpan.FromSeconds(60));
            if (startup.Count > 0)
            {
                foreach (var p in startup)
                {
                    Violate(0, p with { Text = "initial election: " + p.Text }, null);
                }
            }

            long steadyFrom = Stopwatch.GetTimestamp();
            foreach (var f in plan)
            {
                ct.ThrowIfCancellationRequested();
                var before = sampler.Fresh();
                int holder = Lowest(before.V4);
                string label = f.Kind is "kill" or "freeze" or "link" or "partition" or "advert-loss" or "addr-del" or FaultPlan.ClockStep
                    ? f.Kind + (f.Kind == "addr-del" ? "" : f.Node == holder ? "/master" : "/backup")
                    : f.Kind;
                bool stepBeyondWindow = f.Kind == FaultPlan.ClockStep && f.Offset.Duration() > config.HmacWindow;
                if (f.Kind == FaultPlan.ClockStep)
                {
                    label += stepBeyondWindow ? "/beyond-window" : "/within-window";
                }
                current = new FaultResult(f, label, 0, 0, 0, 0, null, []) { At = DateTime.UtcNow };
                long t0 = Stopwatch.GetTimestamp();
                injector.Inject(f, ct);
                long heal = injector.HealTicks;
                ct.WaitHandle.WaitOne(config.Settle);
                var problems = Converge(lab, members, sampler, v4, v6, s_lateGrace, out double lateMs);
                long tEnd = Stopwatch.GetTimestamp();
                foreach (var p in problems)
                {
                    Violate(f.Index, p, current.Violations);
                }

                // A step beyond the HMAC time window cuts the node off (its adverts are stale to the others, theirs to
                // it): the cluster splits until the clock is back. Inside the window it must be seamless.
                if (s_excusesTwoHolders.Contains(f.Kind) || stepBeyondWindow)
                {
                    _excused.Add((t0, tEnd));
                }

                double o4 = v4.LongestGapMs(t0, tEnd), o6 = v6.LongestGapMs(t0, tEnd);
                double? bound = null;
                Failover fail4 = new(double.NaN, 0, 0, null), fail6 = fail4;

                // Crash failover: the master dies, freezes or loses its link for longer than Master_Down_Interval.
                // Measured from the fault to the first reply from another node (the new holder), not over the whole
                // window: the hand-back when the old master returns is a separate figure (after heal).
                bool crash = f.Kind == "kill" || (f.Kind is "freeze" or "link" && f.Duration > config.MasterDown(config.Priorities[1]) + TimeSpan.FromMilliseconds(50));
                if (f.Node == holder && crash)
                {
                    var nextMember = members.Where(m => m.Node != f.Node).MaxBy(m => m.Priority)!;
                    bound = (config.MasterDown(nextMember.Priority) + TimeSpan.FromMilliseconds(50)).TotalMilliseconds;
                    fail4 = Failover(v4, t0, tEnd, f.Node, bound.Value);
                    fail6 = Failover(v6, t0, tEnd, f.Node, bound.Value);
                    foreach (var (fam, fo) in new[] { ("IPv4", fail4), ("IPv6", fail6) })
                    {
                        if (!(fo.Ms > bound))
                        {
                            continue;
                        }

                        string text = string.Create(CultureInfo.InvariantCulture,
                            $"crash-failover outage {fam} {fo.Ms:0} ms (fault to first reply from {(fo.Node == 0 ? "anybody: none came" : $"n{fo.Node}")}) above Master_Down_Interval + 50 ms = {bound:0} ms");
                        if (fo.Void is { } why)
                        {
                            Void(f.Index, text + "; void: " + why, current.Voids);
                        }
                        else
                        {
                            Violate(f.Index, new Problem(text, [nextMember.Node]), current.Violations);
                        }
                    }
                }

                // After heal: the longest gap once the fault healed and (for a crash of the master) the new holder
                // answered; a gap that spans the heal counts whole.
                double After(Prober p, Failover fo) => p.LongestGapMs(Math.Max(heal, fo.At > 0 ? fo.At + 1 : 0), tEnd, fromLastReply: true);
                current = current with { OutageV4 = o4, OutageV6 = o6, DualMs = DualMs(sampler.Changes, t0, tEnd), LateMs = lateMs, BoundMs = bound };
                current = current with { FailoverV4 = fail4.Ms, FailoverV6 = fail6.Ms, AfterHealV4 = After(v4, fail4), AfterHealV6 = After(v6, fail6) };
                Results.Add(current);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{f,-34} {label,-20} outage v4 {o4,6:0} v6 {o6,6:0}  failover {fail4.Ms,4:0}/{fail6.Ms,4:0}  after heal {current.AfterHealV4,5:0}/{current.AfterHealV6,5:0}  two holders {current.DualMs,5:0}  late {lateMs,5:0} ms{(current.Violations.Count > 0 ? "  VIOLATION" : "")}{(current.Voids.Count > 0 ? "  VOID" : "")}"));
            }

            // Continuous invariant: never two holders of a VIP outside a fault that isolates or freezes a holder.
            CheckTwoHolders(sampler.Changes, steadyFrom);

            // Clean stop: SIGTERM to every member, then no VIP may be left on any node.
            foreach (var m in members)
            {
                if (!m.Stop(TimeSpan.FromSeconds(15)))
                {
                    Violate(0, new Problem($"n{m.Node} ({m.Kind}) did not exit within 15 s of SIGTERM at the end", [m.Node]), null);
                }
            }

            var left = sampler.Fresh();
            if (left.V4 != 0 || left.V6 != 0)
            {
                Violate(0, new Problem($"VIP left after the final clean stop: IPv4 on {FaultInjector.Nodes(left.V4)}, IPv6 on {FaultInjector.Nodes(left.V6)}", FaultInjector.Holders(left.V4 | left.V6)), null);
            }

            var (sweeps, mean, max) = sampler.Stats;
            SamplerStats = string.Create(CultureInfo.InvariantCulture, $"{sweeps} sweeps of 3 namespaces, mean period {mean:0.0} ms, longest {max:0.0} ms");
        }
        finally
        {
            for (int i = 0; i < members.Length; i++)
            {
                File.WriteAllText(Path.Combine(outDir, $"n{i + 1}-{members[i].Kind}.log"), members[i].Log);
                members[i].Dispose();
            }

            sampler.Dispose();
            foreach (var r in responders)
            {
                r.Dispose();
            }

            pcap.Signal(Native.SIGTERM);
            pcap.WaitForExit(TimeSpan.FromSeconds(5));
            pcap.Dispose();
            lab.Dispose();
        }

        var (names, pids) = NamespaceLab.Leftovers(config.LabId);
        if (names.Length > 0 || pids.Length > 0 || members.Any(m => m.Running))
        {
            Violate(0, new Problem($"leaked: namespaces [{string.Join(", ", names)}], processes [{string.Join(", ", pids)}]", []), null);
        }

        return _violations.Count == 0 ? 0 : 1;
    }

    /// <summary>Records a broken invariant, attributed to the implementation(s) of the nodes that broke it.</summary>
    private void Violate(int fault, Problem p, List<string>? into)
    {
        var kinds = p.Nodes.Where(n => n >= 1 && n <= _members.Length).Select(n => _members[n - 1].Kind).Distinct().Order(StringComparer.Ordinal).ToArray();
        var v = new ViolationRecord(fault, p.Text, kinds.Length == 0 ? "harness" : string.Join('+', kinds));
        lock (_violations)
        {
            _violations.Add(v);
        }

        into?.Add($"[{v.Culprit}] {p.Text}");
        Console.WriteLine("VIOLATION " + v);
    }

    /// <summary>Records a check that could not be judged because the harness stalled.</summary>
    private void Void(int fault, string text, List<string>? into)
    {
        string line = fault == 0 ? text : $"fault #{fault}: {text}";
        lock (_voids)
        {
            _voids.Add(line);
        }

        into?.Add(text);
        Console.WriteLine("VOID " + line);
    }

    /// <summary>The client-observed failover; if no other node ever answered, the time until anybody answered again.</summary>
    private static Failover Failover(Prober p, long t0, long tEnd, int faulted, double bound)
    {
        var fo = p.FirstReplyFrom(t0, tEnd, faulted, bound);
        return double.IsNaN(fo.Ms) ? p.FirstReplyFrom(t0, tEnd, 0, bound) : fo;
    }

    private List<Problem> Converge(NamespaceLab lab, Member[] members, AddressSampler sampler, Prober v4, Prober v6, TimeSpan grace) =>
        Converge(lab, members, sampler, v4, v6, grace, out _);

    /// <summary>Checks the settled invariants, re-checking for up to <paramref name="grace"/>; the time it took beyond the first check is "late".</summary>
    private List<Problem> Converge(NamespaceLab lab, Member[] members, AddressSampler sampler, Prober v4, Prober v6, TimeSpan grace, out double lateMs)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var problems = SettledCheck.Run(lab, members, sampler, v4, v6);
            if (problems.Count == 0 || sw.Elapsed > grace)
            {
                lateMs = problems.Count == 0 && sw.Elapsed > TimeSpan.FromMilliseconds(100) ? sw.Elapsed.TotalMilliseconds : 0;
                return problems;
            }

            ct.WaitHandle.WaitOne(50);
        }
    }

    private static int Lowest(int mask) => mask == 0 ? 0 : System.Numerics.BitOperations.TrailingZeroCount(mask) + 1;

    /// <summary>Time in [from, to] during which a VIP (either) was held by two or more nodes, in ms.</summary>
    private static double DualMs(HolderSample[] changes, long from, long to)
    {
        long total = 0;
        for (int i = 0; i < changes.Length; i++)
        {
            long start = Math.Max(changes[i].Ticks, from);
            long end = Math.Min(i + 1 < changes.Length ? changes[i + 1].Ticks : to, to);
            if (end > start && (int.PopCount(changes[i].V4) > 1 || int.PopCount(changes[i].V6) > 1))
            {
                total += end - start;
            }
        }

        return total * 1000.0 / Stopwatch.Frequency;
    }

    /// <summary>
    /// Two holders of a VIP outside every fault window that excuses them. The sampler saw the two holders from a
    /// change's sweep to the last sweep before the next change; the span may have lasted until the next change's sweep.
    /// A span whose certain part lies in an excused window but whose possible end runs past it because the sampler
    /// stalled (more than 3 periods between two sweeps) is void, not a violation.
    /// </summary>
    private void CheckTwoHolders(HolderSample[] changes, long from)
    {
        long end = Stopwatch.GetTimestamp();
        long stall = 3 * (long)(0.010 * Stopwatch.Frequency);
        for (int i = 0; i < changes.Length; i++)
        {
            var c = changes[i];
            long lastSeen = i + 1 < changes.Length ? changes[i + 1].Previous : end;
            long to = i + 1 < changes.Length ? changes[i + 1].Ticks : end;
            if (to <= from || (int.PopCount(c.V4) <= 1 && int.PopCount(c.V6) <= 1))
            {
                continue;
            }

            long start = Math.Max(c.Ticks, from);
            bool Covered(long a, long b) => _excused.Any(w => w.From <= a && b <= w.To);
            var at = DateTime.UtcNow - TimeSpan.FromSeconds((double)(end - start) / Stopwatch.Frequency);
            string text = string.Create(CultureInfo.InvariantCulture,
                $"two holders outside any fault window at {at:HH:mm:ss.fff} for {(to - start) * 1000.0 / Stopwatch.Frequency:0} ms: IPv4 {FaultInjector.Nodes(c.V4)}, IPv6 {FaultInjector.Nodes(c.V6)}");
            if (Covered(start, to))
            {
                continue;
            }

            if (Covered(start, Math.Max(start, lastSeen)) && to - lastSeen > stall)
            {
                Void(0, text + string.Create(CultureInfo.InvariantCulture, $"; void: the address sampler stalled {(to - lastSeen) * 1000.0 / Stopwatch.Frequency:0} ms across the window's end"), null);
            }
            else if (!Covered(start, Math.Max(start, lastSeen)))
            {
                int mask = (int.PopCount(c.V4) > 1 ? c.V4 : 0) | (int.PopCount(c.V6) > 1 ? c.V6 : 0);
                Violate(0, new Problem(text, FaultInjector.Holders(mask)), null);
            }
        }
    }
}
