using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using VirtualIp.FailoverBench;

// Failover benchmark: client-visible outage when a VRRP master dies (SIGSTOP+SIGKILL+link cut) or stops (SIGTERM),
// VirtualIp.Failover vs keepalived, in a throwaway namespace lab. See eng/bench-failover.sh and docs/benchmarks-failover.md.
BenchOptions o;
try
{
    o = BenchOptions.Parse(args);
}
catch (FormatException ex)
{
    Console.Error.WriteLine("error: " + ex.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

if (o.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
{
    Console.Error.WriteLine("error: needs Linux and root (network namespaces, raw sockets)");
    return 1;
}

if (o.Impls.Contains("ours") && !File.Exists(o.FailoverDll))
{
    Console.Error.WriteLine($"error: {o.FailoverDll} not found; build samples/VirtualIp.Failover (-c Release) or pass --failover-dll");
    return 1;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    stop.Cancel();
});

var work = Directory.CreateTempSubdirectory("vip-failbench-").FullName;
Cleanup.Register(() => Directory.Delete(work, recursive: true));
try
{
    var bench = new FailoverBench(o, work, stop.Token);
    return bench.Run();
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("cancelled; cleaning up");
    return 130;
}
catch (Exception ex)
{
    Console.Error.WriteLine("error: " + ex);
    return 1;
}
finally
{
    Cleanup.RunAll();
}

/// <summary>Command line.</summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        usage: VirtualIp.FailoverBench [--runs N] [--intervals 1s,100ms,20ms] [--events kill,term] [--impls ours,keepalived]
                                       [--soak 300s] [--soak-impls ours[,keepalived]] [--quick] [--out FILE.md]
                                       [--failover-dll PATH] [--lab-id ID] [--probe-period 5ms]
          kill: the master freezes (SIGSTOP), is killed (SIGKILL) and its link to the switch goes down.
          term: the master is stopped cleanly (SIGTERM: priority-0 advert, VIPs removed).
          handback: the master stops (SIGTERM), the backup takes over, then the master comes back and preempts; lost
            probes during the hand-back (longest reply gap / probe period - 1).
          --quick = --runs 2 --intervals 100ms --soak 20s. Needs root, iproute2, tcpdump, keepalived.
        """;

    public int Runs { get; set; } = 10;

    public List<TimeSpan> Intervals { get; set; } = [TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(20)];

    public List<string> Events { get; set; } = ["kill", "term"];

    public List<string> Impls { get; set; } = ["ours", "keepalived"];

    public TimeSpan Soak { get; set; } = TimeSpan.FromSeconds(300);

    public List<string> SoakImpls { get; set; } = ["ours"];

    public TimeSpan ProbePeriod { get; set; } = TimeSpan.FromMilliseconds(5);

    public string? Out { get; set; }

    public string? LabId { get; set; }

    public string FailoverDll { get; set; } =
        typeof(BenchOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "FailoverSampleDll")?.Value ?? "";

    public bool Help { get; set; }

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            List<string> List() => [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            switch (args[i])
            {
                case "--runs": o.Runs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--intervals": o.Intervals = [.. List().Select(Duration)]; break;
                case "--events": o.Events = List(); break;
                case "--impls": o.Impls = List(); break;
                case "--soak": o.Soak = Duration(Next()); break;
                case "--soak-impls": o.SoakImpls = List(); break;
                case "--probe-period": o.ProbePeriod = Duration(Next()); break;
                case "--out": o.Out = Next(); break;
                case "--lab-id": o.LabId = Next(); break;
                case "--failover-dll": o.FailoverDll = Path.GetFullPath(Next()); break;
                case "--quick":
                    o.Runs = 2;
                    o.Intervals = [TimeSpan.FromMilliseconds(100)];
                    o.Soak = TimeSpan.FromSeconds(20);
                    break;
                case "-h" or "--help": o.Help = true; break;
                default: throw new FormatException($"unknown argument '{args[i]}'");
            }
        }

        if (o.Runs < 1 || o.Intervals.Count == 0 || o.Intervals.Any(t => t < TimeSpan.FromMilliseconds(10) || t > TimeSpan.FromSeconds(40)))
        {
            throw new FormatException("--runs must be >= 1 and intervals 10ms..40s");
        }

        if (o.Events.Except(["kill", "term", "handback"]).Any() || o.Impls.Concat(o.SoakImpls).Except(["ours", "keepalived"]).Any())
        {
            throw new FormatException("--events takes kill,term,handback; --impls/--soak-impls take ours,keepalived");
        }

        if (o.LabId is not null && !System.Text.RegularExpressions.Regex.IsMatch(o.LabId, "^[a-z0-9]{1,8}$"))
        {
            throw new FormatException("--lab-id: 1-8 lower-case letters/digits");
        }

        return o;
    }

    public static TimeSpan Duration(string text)
    {
        static double N(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
        return text.EndsWith("ms", StringComparison.Ordinal) ? TimeSpan.FromMilliseconds(N(text[..^2]))
            : text.EndsWith('s') ? TimeSpan.FromSeconds(N(text[..^1]))
            : text.EndsWith('m') ? TimeSpan.FromMinutes(N(text[..^1]))
            : TimeSpan.FromSeconds(N(text));
    }
}

/// <summary>One measured failover.</summary>
internal sealed record RunResult(
    string Impl, TimeSpan Interval, string Event, int Run, double? OutageMs, double? EventToTransitionMs,
    double? TransitionToGarpMs, double? AdvertToGarpMs, int GarpCount, string? Error,
    double? PhaseMs = null, double? GarpAfterDeadlineMs = null, int? LostProbes = null);

/// <summary>The benchmark proper.</summary>
internal sealed partial class FailoverBench(BenchOptions o, string work, CancellationToken ct)
{
    private const string Vip = "192.0.2.100";
    private const int EchoPort = 7007;
    private readonly List<RunResult> _results = [];
    private readonly List<string> _soak = [];
    private NamespaceLab _lab = null!;
    private Prober _prober = null!;
    private WireWatch _wire = null!;

    /// <summary>RFC 5798 Master_Down_Interval for the backup (priority 100).</summary>
    private static TimeSpan MasterDown(TimeSpan interval) => 3 * interval + (256 - 100) * interval / 256;

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    public int Run()
    {
        string keepalivedVersion = Shell.Run("/usr/sbin/keepalived", "--version").Output.Split('\n')[0].Trim();
        Console.WriteLine($"# failover bench {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}: runs {o.Runs}, intervals {string.Join(',', o.Intervals.Select(RouterDaemon.Ms))}, " +
            $"events {string.Join(',', o.Events)}, impls {string.Join(',', o.Impls)}, soak {o.Soak.TotalSeconds}s ({string.Join(',', o.SoakImpls)}), probe every {o.ProbePeriod.TotalMilliseconds} ms, " +
            $"{Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Trim()}; {keepalivedVersion}; ours {o.FailoverDll}");
        _lab = NamespaceLab.Create(2, o.LabId ?? "fb" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2)));
        Console.WriteLine($"# lab namespaces vip-{_lab.Id}-*");

        using var e1 = new EchoResponder(_lab.Node(1), EchoPort, 1);
        using var e2 = new EchoResponder(_lab.Node(2), EchoPort, 2);
        _prober = new Prober(_lab.Client, IPAddress.Parse(Vip), EchoPort, o.ProbePeriod);
        _wire = WireWatch.Start(_lab.Client, Vip);
        Console.WriteLine("impl,interval_ms,event,run,outage_ms,event_to_transition_ms,transition_to_garp_ms,advert_to_garp_ms,garps,last_advert_to_event_ms,garp_after_deadline_ms,lost_probes,error");
        foreach (var interval in o.Intervals)
        {
            foreach (var ev in o.Events)
            {
                for (int run = 1; run <= o.Runs; run++)
                {
                    foreach (var impl in o.Impls)
                    {
                        ct.ThrowIfCancellationRequested();
                        var r = ev == "handback" ? RunHandback(impl, interval, run) : RunOnce(impl, interval, ev, run);
                        _results.Add(r);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{r.Impl},{r.Interval.TotalMilliseconds},{r.Event},{r.Run},{F(r.OutageMs)},{F(r.EventToTransitionMs)},{F(r.TransitionToGarpMs)},{F(r.AdvertToGarpMs)},{r.GarpCount},{F(r.PhaseMs)},{F(r.GarpAfterDeadlineMs)},{r.LostProbes},{r.Error}"));
                    }
                }
            }
        }

        if (o.Soak > TimeSpan.Zero)
        {
            foreach (var impl in o.SoakImpls)
            {
                ct.ThrowIfCancellationRequested();
                _soak.Add(SoakOnce(impl));
                Console.WriteLine(_soak[^1]);
            }
        }

        string report = Report();
        Console.WriteLine();
        Console.WriteLine(report);
        if (o.Out is not null)
        {
            File.WriteAllText(o.Out, report);
        }

        return _results.Any(r => r.Error is not null) ? 3 : 0;
    }

    private static string F(double? v) => v is { } d ? d.ToString("0.0", CultureInfo.InvariantCulture) : "";

    private RouterDaemon Make(string impl, int node, int priority, TimeSpan interval) => impl == "ours"
        ? new OursDaemon(_lab.Node(node), priority, interval, Vip, o.FailoverDll, work)
        : new KeepalivedDaemon(_lab.Node(node), priority, interval, Vip, Path.Combine(work, $"keepalived-n{node}"));

    private bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            ct.ThrowIfCancellationRequested();
            if (sw.Elapsed > timeout)
            {
                return false;
            }

            Thread.Sleep(10);
        }

        return true;
    }

    /// <summary>Starts n1 (priority 150) and n2 (100) and waits until n1 is master, n2 backup and the client is served by n1.</summary>
    private string? Converge(RouterDaemon high, RouterDaemon low, TimeSpan interval)
    {
        high.Start();
        low.Start();
        var stable = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1.5).Ticks, 2 * interval.Ticks));
        var timeout = 3 * MasterDown(interval) + TimeSpan.FromSeconds(20);
        return WaitUntil(() => high.CurrentState == "Master" && low.CurrentState == "Backup" && _prober.SteadyFrom(1, stable), timeout)
            ? null
            : $"no convergence in {timeout.TotalSeconds:0}s (n1 {high.CurrentState ?? "-"}, n2 {low.CurrentState ?? "-"})";
    }

    private void Reset(RouterDaemon high, RouterDaemon low)
    {
        low.KillHard();
        high.KillHard();
        high.WaitForExit(TimeSpan.FromSeconds(5));
        low.WaitForExit(TimeSpan.FromSeconds(5));
        low.Dispose();
        high.Dispose();
        foreach (int n in new[] { 1, 2 })
        {
            Shell.Run("ip", "-n", _lab.Node(n), "link", "set", "eth0", "up");
            Shell.Run("ip", "-n", _lab.Node(n), "addr", "del", Vip + "/24", "dev", "eth0");
        }

        Shell.Run("ip", "-n", _lab.Client, "neigh", "flush", "dev", "eth0");
    }

    private RunResult RunOnce(string impl, TimeSpan interval, string ev, int run)
    {
        var high = Make(impl, 1, 150, interval);
        var low = Make(impl, 2, 100, interval);
        try
        {
            if (Converge(high, low, interval) is { } problem)
            {
                return Fail(problem);
            }

            // The event lands at a uniformly random phase of the advert cycle (same distribution for both daemons);
            // the deadline metric below removes the phase altogether.
            Thread.Sleep(TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * interval.Ticks)));
            int lowBefore = low.States.Length;
            var eventUtc = DateTime.UtcNow;
            long eventTicks = Stopwatch.GetTimestamp();
            if (ev == "kill")
            {
                high.Freeze();
                high.KillHard();
                Shell.Must("ip", "-n", _lab.Node(1), "link", "set", "eth0", "down");
            }
            else
            {
                high.Terminate();
            }

            var timeout = MasterDown(interval) + TimeSpan.FromSeconds(10);
            bool recovered = WaitUntil(() => low.States.Skip(lowBefore).Any(s => s.State == "Master") && _prober.SteadyFrom(2, TimeSpan.FromMilliseconds(300)), timeout);
            long endTicks = Stopwatch.GetTimestamp();
            if (!recovered)
            {
                return Fail($"no recovery in {timeout.TotalSeconds:0}s (n2 {low.CurrentState})");
            }

            Thread.Sleep(100); // late tcpdump lines
            double outage = Prober.LongestGapMs(_prober.RepliesSince(eventTicks - Ticks(TimeSpan.FromSeconds(2))), eventTicks - Ticks(TimeSpan.FromMilliseconds(500)), endTicks);
            var transition = low.States.Skip(lowBefore).First(s => s.State == "Master");
            var wire = _wire.Since(eventUtc.AddMilliseconds(-1));
            var before = _wire.Since(eventUtc - 2 * interval - TimeSpan.FromSeconds(1));
            // Protocol deadline for the takeover, from the capture: kill = the master's last advert + Master_Down_Interval;
            // term = its priority-0 advert + Skew_Time (RFC 5798 6.4.2).
            DateTime? deadline = ev == "kill"
                ? before.Where(w => !w.IsGarp && w.VrrpSource == NamespaceLab.NodeIPv4(1) && w.VrrpPriority > 0).Select(w => (DateTime?)w.At).LastOrDefault() + MasterDown(interval)
                : wire.Where(w => !w.IsGarp && w.VrrpSource == NamespaceLab.NodeIPv4(1) && w.VrrpPriority == 0).Select(w => (DateTime?)w.At).FirstOrDefault() + (256 - 100) * interval / 256;
            double? phase = ev == "kill" && deadline is { } d0 ? (eventUtc - (d0 - MasterDown(interval))).TotalMilliseconds : null;
            var garps = wire.Where(w => w.IsGarp && w.SourceMac == NamespaceLab.NodeMac(2)).ToArray();
            var advert = wire.Where(w => !w.IsGarp && w.VrrpSource == NamespaceLab.NodeIPv4(2)).Select(w => (DateTime?)w.At).FirstOrDefault();
            double? toGarp = garps.Length > 0 ? (garps[0].At - transition.At).TotalMilliseconds : null;
            double? advertToGarp = garps.Length > 0 && advert is { } a ? (garps[0].At - a).TotalMilliseconds : null;
            return new RunResult(impl, interval, ev, run, outage, (transition.At - eventUtc).TotalMilliseconds, toGarp, advertToGarp, garps.Length,
                garps.Length == 0 ? "no gratuitous ARP seen" : null, phase, garps.Length > 0 && deadline is { } d ? (garps[0].At - d).TotalMilliseconds : null);
        }
        finally
        {
            Reset(high, low);
        }

        RunResult Fail(string why)
        {
            Console.Error.WriteLine($"--- {impl} {interval.TotalMilliseconds}ms {ev} run {run}: {why}\n--- n1:\n{Tail(high.Log)}\n--- n2:\n{Tail(low.Log)}");
            return new RunResult(impl, interval, ev, run, null, null, null, null, 0, why);
        }
    }

    private static string Tail(string log) => string.Join('\n', log.Split('\n').TakeLast(15));

    private string SoakOnce(string impl)
    {
        var interval = TimeSpan.FromMilliseconds(20);
        var high = Make(impl, 1, 150, interval);
        var low = Make(impl, 2, 100, interval);
        var burners = new List<Process>();
        try
        {
            if (Converge(high, low, interval) is { } problem)
            {
                return $"soak {impl}: {problem}";
            }

            int lowBefore = low.States.Length, highBefore = high.States.Length;
            for (int i = 0; i < Environment.ProcessorCount; i++)
            {
                var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "while :; do :; done"]) { UseShellExecute = false })!;
                burners.Add(p);
                int pid = p.Id;
                Cleanup.Register(() => Native.Kill(pid, Native.SIGKILL));
            }

            long start = Stopwatch.GetTimestamp();
            var startUtc = DateTime.UtcNow;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < o.Soak)
            {
                ct.ThrowIfCancellationRequested();
                Thread.Sleep(200);
            }

            long end = Stopwatch.GetTimestamp();
            foreach (var p in burners)
            {
                Native.Kill(p.Id, Native.SIGKILL);
            }

            var replies = _prober.RepliesSince(start);
            // Was it the master's sending or the backup's receiving? Gaps between the master's adverts on the wire.
            var adverts = _wire.Since(startUtc).Where(w => !w.IsGarp && w.VrrpSource == NamespaceLab.NodeIPv4(1)).Select(w => w.At).ToArray();
            var gaps = adverts.Zip(adverts.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToArray();
            double mdi = MasterDown(interval).TotalMilliseconds;
            string advertStats = gaps.Length == 0 ? "no master adverts captured" : string.Create(CultureInfo.InvariantCulture,
                $"master adverts {adverts.Length}, longest gap between them {gaps.Max():0.0} ms, gaps > 50 ms {gaps.Count(g => g > 50)}, gaps > Master_Down_Interval ({mdi:0.0} ms) {gaps.Count(g => g > mdi)}");
            double gap = Prober.LongestGapMs(replies, start, end);
            int lowChanges = low.States.Length - lowBefore, highChanges = high.States.Length - highBefore;
            long expected = (long)(o.Soak / o.ProbePeriod);
            string detail = lowChanges + highChanges > 0
                ? "\n  n2: " + string.Join("; ", low.States.Skip(lowBefore).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.At:HH:mm:ss.fff} {s.State}")))
                : "";
            return string.Create(CultureInfo.InvariantCulture,
                $"soak {impl}: 20 ms adverts, {o.Soak.TotalSeconds:0} s, {burners.Count} busy loops: backup state changes {lowChanges}, master state changes {highChanges}, " +
                $"client replies {replies.Length} (~{expected} probes, {100.0 * replies.Length / Math.Max(1, expected):0.0}%), longest reply gap {gap:0.0} ms; {advertStats}{detail}");
        }
        finally
        {
            foreach (var p in burners)
            {
                Native.Kill(p.Id, Native.SIGKILL);
                p.WaitForExit(2000);
                p.Dispose();
            }

            Reset(high, low);
        }
    }

    private static (double Min, double Median, double Max, int N) Stat(IEnumerable<double?> values)
    {
        var v = values.OfType<double>().OrderBy(x => x).ToArray();
        if (v.Length == 0)
        {
            return (double.NaN, double.NaN, double.NaN, 0);
        }

        double median = v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
        return (v[0], median, v[^1], v.Length);
    }

    private static string S((double Min, double Median, double Max, int N) s) =>
        s.N == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{s.Min:0} / {s.Median:0} / {s.Max:0}");

    private static string S1((double Min, double Median, double Max, int N) s) =>
        s.N == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{s.Min:0.0} / {s.Median:0.0} / {s.Max:0.0}");

    private string Report()
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("Client-visible outage, ms (min / median / max; longest gap between UDP replies, probe every " +
            o.ProbePeriod.TotalMilliseconds.ToString(inv) + " ms). Target: <= Master_Down_Interval + 20 ms and ours median <= keepalived median.");
        sb.AppendLine();
        sb.AppendLine("| event | advert | target | VirtualIp.Failover | keepalived | ours within target | ours median <= keepalived |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var ev in o.Events.Where(e => e != "handback"))
        {
            foreach (var interval in o.Intervals)
            {
                double target = MasterDown(interval).TotalMilliseconds + 20;
                var ours = _results.Where(r => r.Impl == "ours" && r.Event == ev && r.Interval == interval).ToList();
                var ka = _results.Where(r => r.Impl == "keepalived" && r.Event == ev && r.Interval == interval).ToList();
                var so = Stat(ours.Select(r => r.OutageMs));
                var sk = Stat(ka.Select(r => r.OutageMs));
                string within = ours.Count == 0 ? "-" : $"{ours.Count(r => r.OutageMs <= target)}/{ours.Count}";
                string vsKa = so.N == 0 || sk.N == 0 ? "-" : so.Median <= sk.Median ? "yes" : "no";
                sb.AppendLine(string.Create(inv, $"| {(ev == "kill" ? "master dies (SIGSTOP+SIGKILL+link down)" : "master stops (SIGTERM)")} | {RouterDaemon.Ms(interval)} | {target:0} | {S(so)} (n={so.N}) | {S(sk)} (n={sk.N}) | {within} | {vsKa} |"));
            }
        }

        sb.AppendLine();
        sb.AppendLine("Backup: state change → first gratuitous ARP on the wire, ms (min / median / max). Ours: the daemon's own timestamp of its");
        sb.AppendLine("`Backup -> Master` line; keepalived: arrival of its `Entering MASTER STATE` line at the harness (its log has whole seconds).");
        sb.AppendLine("Wire: the new master's first VRRP advert → its first gratuitous ARP, both from the same capture (tcpdump in the client namespace).");
        sb.AppendLine();
        sb.AppendLine("| advert | ours: state line → GARP | keepalived: state line → GARP | ours: advert → GARP (wire) | keepalived: advert → GARP (wire) | event → backup's transition, ours | keepalived |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var interval in o.Intervals)
        {
            var ours = _results.Where(r => r.Impl == "ours" && r.Interval == interval).ToList();
            var ka = _results.Where(r => r.Impl == "keepalived" && r.Interval == interval).ToList();
            sb.AppendLine($"| {RouterDaemon.Ms(interval)} | {S1(Stat(ours.Select(r => r.TransitionToGarpMs)))} | {S1(Stat(ka.Select(r => r.TransitionToGarpMs)))} | " +
                $"{S1(Stat(ours.Select(r => r.AdvertToGarpMs)))} | {S1(Stat(ka.Select(r => r.AdvertToGarpMs)))} | " +
                $"{S(Stat(ours.Select(r => r.EventToTransitionMs)))} | {S(Stat(ka.Select(r => r.EventToTransitionMs)))} |");
        }

        sb.AppendLine();
        sb.AppendLine("First gratuitous ARP after the protocol deadline, ms (min / median / max): the deadline is the old master's last advert +");
        sb.AppendLine("Master_Down_Interval (dies) or its priority-0 advert + Skew_Time (stops), both taken from the capture, so the phase of the");
        sb.AppendLine("event in the advert cycle drops out. This is timer lateness + takeover work + GARP latency of the implementation.");
        sb.AppendLine();
        sb.AppendLine("| event | advert | VirtualIp.Failover | keepalived |");
        sb.AppendLine("|---|---|---|---|");
        foreach (var ev in o.Events.Where(e => e != "handback"))
        {
            foreach (var interval in o.Intervals)
            {
                var ours = _results.Where(r => r.Impl == "ours" && r.Event == ev && r.Interval == interval);
                var ka = _results.Where(r => r.Impl == "keepalived" && r.Event == ev && r.Interval == interval);
                sb.AppendLine($"| {(ev == "kill" ? "dies" : "stops")} | {RouterDaemon.Ms(interval)} | {S1(Stat(ours.Select(r => r.GarpAfterDeadlineMs)))} | {S1(Stat(ka.Select(r => r.GarpAfterDeadlineMs)))} |");
            }
        }

        HandbackReport(sb);
        var failed = _results.Where(r => r.Error is not null).ToList();
        sb.AppendLine();
        sb.AppendLine(failed.Count == 0 ? $"All {_results.Count} runs recovered." : $"{failed.Count} of {_results.Count} runs had problems:");
        foreach (var f in failed)
        {
            sb.AppendLine(string.Create(inv, $"- {f.Impl} {RouterDaemon.Ms(f.Interval)} {f.Event} run {f.Run}: {f.Error}"));
        }

        foreach (var s in _soak)
        {
            sb.AppendLine();
            sb.AppendLine(s);
        }

        return sb.ToString();
    }
}
