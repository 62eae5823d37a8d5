using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace VirtualIp.Chaos;

/// <summary>What one fault did: outage per VIP (longest gap between probe replies from the fault to the settled check),
/// the time two nodes held a VIP at once, how late the cluster settled beyond Master_Down_Interval + 2 adverts, and the
/// invariants it broke.</summary>
internal sealed record FaultResult(Fault Fault, string Label, double OutageV4, double OutageV6, double DualMs, double LateMs, double? BoundMs, List<string> Violations);

/// <summary>The harness: builds the lab, starts the members, injects the plan, checks the invariants, cleans up.</summary>
internal sealed class ChaosRun(ChaosConfig config, string outDir, string work, CancellationToken ct)
{
    private static readonly HashSet<string> s_excusesTwoHolders = ["kill", "freeze", "link", "partition", "advert-loss", "restart-all"];
    private static readonly TimeSpan s_lateGrace = TimeSpan.FromSeconds(5);
    private readonly List<string> _violations = [];
    private readonly List<(long From, long To)> _excused = [];

    public List<FaultResult> Results { get; } = [];

    public IReadOnlyList<string> Violations => _violations;

    public string SamplerStats { get; private set; } = "";

    public int Execute(List<Fault> plan)
    {
        var lab = ChaosLab.Create(3, config.LabId);
        var pcap = Child.Start(lab.Switch, "tcpdump", ["-i", "br0", "-n", "-s", "200", "-U", "-w", Path.Combine(outDir, "chaos.pcap"), "not udp port " + ChaosConfig.EchoPort], work);
        var responders = Enumerable.Range(1, 3).Select(i => new EchoResponder(lab.Node(i), ChaosConfig.EchoPort, (byte)i)).ToArray();
        var members = Enumerable.Range(1, 3).Select(i => config.MemberKind(i) == "ours"
            ? (Member)new OursMember(i, lab.Node(i), config.Priorities[i - 1], config, Path.Combine(work, $"n{i}"))
            : new KeepalivedMember(i, lab.Node(i), config.Priorities[i - 1], config, Path.Combine(work, $"n{i}"))).ToArray();
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
            injector.Violation += v => Violate(current?.Fault.Index ?? 0, v, current?.Violations);

            // Initial election (includes dotnet start-up on a loaded machine).
            var startup = Converge(lab, members, sampler, v4, v6, TimeSpan.FromSeconds(60));
            if (startup.Count > 0)
            {
                foreach (var p in startup)
                {
                    Violate(0, "initial election: " + p, null);
                }
            }

            long steadyFrom = Stopwatch.GetTimestamp();
            foreach (var f in plan)
            {
                ct.ThrowIfCancellationRequested();
                var before = sampler.Fresh();
                int holder = Lowest(before.V4);
                string label = f.Kind is "kill" or "freeze" or "link" or "partition" or "advert-loss" or "addr-del"
                    ? f.Kind + (f.Kind == "addr-del" ? "" : f.Node == holder ? "/master" : "/backup")
                    : f.Kind;
                current = new FaultResult(f, label, 0, 0, 0, 0, null, []);
                long t0 = Stopwatch.GetTimestamp();
                injector.Inject(f, ct);
                ct.WaitHandle.WaitOne(config.Settle);
                var problems = Converge(lab, members, sampler, v4, v6, s_lateGrace, out double lateMs);
                long tEnd = Stopwatch.GetTimestamp();
                foreach (var p in problems)
                {
                    Violate(f.Index, p, current.Violations);
                }

                if (s_excusesTwoHolders.Contains(f.Kind))
                {
                    _excused.Add((t0, tEnd));
                }

                double o4 = v4.LongestGapMs(t0, tEnd), o6 = v6.LongestGapMs(t0, tEnd);
                double? bound = null;
                if (f.Node == holder && (f.Kind == "kill" || (f.Kind == "freeze" && f.Duration > config.MasterDown(config.Priorities[1]) + TimeSpan.FromMilliseconds(50))))
                {
                    int next = members.Where(m => m.Node != f.Node).Max(m => m.Priority);
                    bound = (config.MasterDown(next) + TimeSpan.FromMilliseconds(50)).TotalMilliseconds;
                    if (Math.Max(o4, o6) > bound)
                    {
                        Violate(f.Index, string.Create(CultureInfo.InvariantCulture, $"crash-failover outage {o4:0} ms (IPv4) / {o6:0} ms (IPv6) above Master_Down_Interval + 50 ms = {bound:0} ms"), current.Violations);
                    }
                }

                current = current with { OutageV4 = o4, OutageV6 = o6, DualMs = DualMs(sampler.Changes, t0, tEnd), LateMs = lateMs, BoundMs = bound };
                Results.Add(current);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{f,-34} {label,-20} outage v4 {o4,6:0} ms v6 {o6,6:0} ms  two holders {current.DualMs,5:0} ms  late {lateMs,5:0} ms{(current.Violations.Count > 0 ? "  VIOLATION" : "")}"));
            }

            // Continuous invariant: never two holders of a VIP outside a fault that isolates or freezes a holder.
            CheckTwoHolders(sampler.Changes, steadyFrom);

            // Clean stop: SIGTERM to every member, then no VIP may be left on any node.
            foreach (var m in members)
            {
                if (!m.Stop(TimeSpan.FromSeconds(15)))
                {
                    Violate(0, $"n{m.Node} ({m.Kind}) did not exit within 15 s of SIGTERM at the end", null);
                }
            }

            var left = sampler.Fresh();
            if (left.V4 != 0 || left.V6 != 0)
            {
                Violate(0, $"VIP left after the final clean stop: IPv4 on {FaultInjector.Nodes(left.V4)}, IPv6 on {FaultInjector.Nodes(left.V6)}", null);
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

        var (names, pids) = ChaosLab.Leftovers(config.LabId);
        if (names.Length > 0 || pids.Length > 0 || members.Any(m => m.Running))
        {
            Violate(0, $"leaked: namespaces [{string.Join(", ", names)}], processes [{string.Join(", ", pids)}]", null);
        }

        return _violations.Count == 0 ? 0 : 1;
    }

    private void Violate(int fault, string text, List<string>? into)
    {
        string line = fault == 0 ? text : $"fault #{fault}: {text}";
        lock (_violations)
        {
            _violations.Add(line);
        }

        into?.Add(text);
        Console.WriteLine("VIOLATION " + line);
    }

    private List<string> Converge(ChaosLab lab, Member[] members, AddressSampler sampler, Prober v4, Prober v6, TimeSpan grace) =>
        Converge(lab, members, sampler, v4, v6, grace, out _);

    /// <summary>Checks the settled invariants, re-checking for up to <paramref name="grace"/>; the time it took beyond the first check is "late".</summary>
    private List<string> Converge(ChaosLab lab, Member[] members, AddressSampler sampler, Prober v4, Prober v6, TimeSpan grace, out double lateMs)
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

    private void CheckTwoHolders(HolderSample[] changes, long from)
    {
        long end = Stopwatch.GetTimestamp();
        for (int i = 0; i < changes.Length; i++)
        {
            var c = changes[i];
            long to = i + 1 < changes.Length ? changes[i + 1].Ticks : end;
            if (to <= from || (int.PopCount(c.V4) <= 1 && int.PopCount(c.V6) <= 1))
            {
                continue;
            }

            long start = Math.Max(c.Ticks, from);
            bool covered = _excused.Any(w => w.From <= start && to <= w.To);
            if (!covered)
            {
                var at = DateTime.UtcNow - TimeSpan.FromSeconds((double)(end - start) / Stopwatch.Frequency);
                Violate(0, string.Create(CultureInfo.InvariantCulture,
                    $"two holders outside any fault window at {at:HH:mm:ss.fff} for {(to - start) * 1000.0 / Stopwatch.Frequency:0} ms: IPv4 {FaultInjector.Nodes(c.V4)}, IPv6 {FaultInjector.Nodes(c.V6)}"), null);
            }
        }
    }
}
