using System.Globalization;
using System.Reflection;

namespace VirtualIp.Chaos;

/// <summary>Command line and the cluster's fixed settings.</summary>
internal sealed class ChaosConfig
{
    public const string VipV4 = "192.0.2.100";
    public const string VipV6 = "2001:db8::100";
    public const int EchoPort = 7007;

    public const string Usage = """
        usage: VirtualIp.Chaos --seed N --faults N [--kind ours|mixed|keepalived] [--out DIR]
                               [--advert-interval 100ms] [--only KIND[,KIND...]] [--lab-id ID]
                               [--failover-dll PATH] [--keepalived PATH] [--keepalived-yield silent|advert] [--keep-pcap]
                               [--auth none|hmac]
          A cluster of 3 routers (priorities 150/120/100, VRRPv3, preempt on; VRID 51 IPv4 192.0.2.100, VRID 52 IPv6
          2001:db8::100) in network namespaces on one bridge; a client probes both VIPs over UDP every 5 ms.
          Kinds: ours = 3 x samples/VirtualIp.Failover; mixed = ours on n1 and n3, keepalived on n2; keepalived = 3 x keepalived.
          --keepalived-yield: advert = keepalived sends one advert before yielding to a higher priority
          (vrrp_higher_prio_send_advert, what docs/keepalived-migration.md asks of keepalived in a mixed cluster: ours does
          the same); silent = keepalived's default. Default: advert for mixed, silent for keepalived (the stock reference).
          Faults (drawn from the seed): kill, freeze, link, partition, advert-loss, cpu-hog, addr-del, restart-all;
          with --auth hmac also clock-step (every member signs its adverts, auth_hmac with a time window; one node's
          wall clock stepped through libfaketime; keepalived members need 2.4.3 with auth_hmac: --keepalived PATH).
          Writes DIR/faults.tsv, DIR/summary.md, and on a violation DIR/violations.txt, the members' logs and a pcap.
          Exit code: 0 no violation, 1 violations, 2 usage, 3 environment (not root, tool missing).
        """;

    public int Seed { get; set; } = 1;

    public int Faults { get; set; } = 8;

    public string Kind { get; set; } = "ours";

    public string Out { get; set; } = "artifacts/chaos";

    public TimeSpan Interval { get; set; } = TimeSpan.FromMilliseconds(100);

    public string[]? Only { get; set; }

    public string LabId { get; set; } = "ch" + (Environment.ProcessId & 0xffff).ToString("x4", CultureInfo.InvariantCulture);

    public bool KeepPcap { get; set; }

    /// <summary>"none" or "hmac": every member signs and verifies (auth_hmac, time anti-replay), and clock steps are drawn.</summary>
    public string Auth { get; set; } = "none";

    public bool Hmac => Auth == "hmac";

    /// <summary>The shared HMAC key (32 bytes, hex): a lab key, nothing secret.</summary>
    public const string HmacKeyHex = "5669727475616c49702063686169732068617273686e657373206b65792031ff";

    /// <summary>The HMAC time window every member uses: max(3 x advert interval, 5 s), keepalived's default.</summary>
    public TimeSpan HmacWindow => TimeSpan.FromSeconds(Math.Clamp(Math.Floor(3 * Interval.TotalSeconds), 5, 300));

    /// <summary>libfaketime, preloaded into every member with --auth hmac so one node's wall clock can be stepped.</summary>
    public string FakeTimeLibrary { get; set; } = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

    /// <summary>keepalived members send an advert before yielding (vrrp_higher_prio_send_advert); null = by kind.</summary>
    public bool? KeepalivedAdvertOnYield { get; set; }

    /// <summary>What the keepalived members do: the option when given, else on for mixed, off for the stock reference.</summary>
    public bool KeepalivedSendsAdvertOnYield => KeepalivedAdvertOnYield ?? Kind == "mixed";

    public bool Help { get; set; }

    public string FailoverDll { get; set; } =
        typeof(ChaosConfig).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "FailoverSampleDll")?.Value ?? "";

    public string KeepalivedBinary { get; set; } = "/usr/sbin/keepalived";

    public int[] Priorities { get; } = [150, 120, 100];

    public string IntervalText => Interval.TotalMilliseconds % 1000 == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{Interval.TotalSeconds:0}s")
        : string.Create(CultureInfo.InvariantCulture, $"{Interval.TotalMilliseconds:0}ms");

    /// <summary>RFC 5798 Master_Down_Interval of a backup with <paramref name="priority"/>.</summary>
    public TimeSpan MasterDown(int priority) => (3 * Interval) + ((256 - priority) * Interval / 256);

    /// <summary>Settle after a fault heals: the longest Master_Down_Interval in the cluster + 2 adverts.</summary>
    public TimeSpan Settle => MasterDown(Priorities.Min()) + (2 * Interval);

    /// <summary>Which implementation runs on node <paramref name="i"/> (1-based).</summary>
    public string MemberKind(int i) => Kind switch
    {
        "ours" => "ours",
        "keepalived" => "keepalived",
        _ => i == 2 ? "keepalived" : "ours",
    };

    public static ChaosConfig Parse(string[] args)
    {
        var o = new ChaosConfig();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--seed": o.Seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--faults": o.Faults = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--kind": o.Kind = Next(); break;
                case "--out": o.Out = Next(); break;
                case "--advert-interval": o.Interval = ParseDuration(Next()); break;
                case "--only": o.Only = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                case "--lab-id": o.LabId = Next(); break;
                case "--failover-dll": o.FailoverDll = Path.GetFullPath(Next()); break;
                case "--keepalived": o.KeepalivedBinary = Next(); break;
                case "--keep-pcap": o.KeepPcap = true; break;
                case "--auth": o.Auth = Next(); break;
                case "--keepalived-yield":
                    o.KeepalivedAdvertOnYield = Next() switch
                    {
                        "advert" => true,
                        "silent" => false,
                        var v => throw new FormatException($"--keepalived-yield {v}: silent or advert"),
                    };
                    break;
                case "-h" or "--help": o.Help = true; break;
                default: throw new FormatException($"unknown argument '{args[i]}'");
            }
        }

        if (o.Kind is not ("ours" or "mixed" or "keepalived"))
        {
            throw new FormatException($"--kind {o.Kind}: ours, mixed or keepalived");
        }

        if (o.Faults < 0 || o.Faults > 100_000)
        {
            throw new FormatException($"--faults {o.Faults}: 0..100000");
        }

        if (o.Interval < TimeSpan.FromMilliseconds(10) || o.Interval > TimeSpan.FromSeconds(10))
        {
            throw new FormatException($"--advert-interval {o.Interval}: 10ms..10s");
        }

        if (o.Auth is not ("none" or "hmac"))
        {
            throw new FormatException($"--auth {o.Auth}: none or hmac");
        }

        if (o.Only?.FirstOrDefault(k => !FaultPlan.AllKinds.Contains(k)) is { } bad)
        {
            throw new FormatException($"--only {bad}: one of {string.Join(", ", FaultPlan.AllKinds)}");
        }

        if (!o.Hmac && o.Only?.Contains(FaultPlan.ClockStep) == true)
        {
            throw new FormatException("--only clock-step needs --auth hmac (a clock step matters only to HMAC time windows)");
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(o.LabId, "^[a-z0-9]{1,8}$"))
        {
            throw new FormatException($"--lab-id {o.LabId}: 1-8 lower-case letters/digits");
        }

        return o;
    }

    private static TimeSpan ParseDuration(string s) =>
        s.EndsWith("ms", StringComparison.Ordinal) ? TimeSpan.FromMilliseconds(double.Parse(s[..^2], CultureInfo.InvariantCulture))
        : s.EndsWith('s') ? TimeSpan.FromSeconds(double.Parse(s[..^1], CultureInfo.InvariantCulture))
        : throw new FormatException($"{s}: a duration such as 100ms or 1s");
}
