using VirtualIp.Etcd;
using VirtualIp.Pools;

namespace VirtualIp.LeaseClient;

/// <summary>The command line of the lease client.</summary>
internal sealed class LeaseClientArguments
{
    public const string Usage = """
        usage: VirtualIp.LeaseClient --range CIDR|FIRST-LAST [--range ...] [--pool NAME] [--count N] [--parallel N]
               [--holder-prefix P] [--node ID] [--lease-duration 1h] [--hold] [--report-latency]
               [--store embedded --journal PATH | --store etcd --etcd-endpoints URL[,URL] [--etcd-prefix /virtualip/] [--lease-ttl 10s]]
        """;

    public string Store { get; private set; } = "embedded";

    public string? Journal { get; private set; }

    public EtcdOptions Etcd { get; } = new();

    public VipPoolOptions Pool { get; } = new() { Name = "pool" };

    public int Count { get; private set; } = 1;

    public int Parallel { get; private set; } = 1;

    public string HolderPrefix { get; private set; } = "h";

    public string? Node { get; private set; }

    public bool Hold { get; private set; }

    public bool ReportLatency { get; private set; }

    public string? Error { get; private set; }

    public static LeaseClientArguments Parse(string[] args)
    {
        var a = new LeaseClientArguments();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--store": a.Store = Next(); break;
                    case "--journal": a.Journal = Next(); break;
                    case "--etcd-endpoints":
                        foreach (var e in Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        {
                            a.Etcd.Endpoints.Add(e);
                        }

                        break;
                    case "--etcd-prefix": a.Etcd.Prefix = Next(); break;
                    case "--lease-ttl": a.Etcd.LeaseTtl = Duration(Next()); break;
                    case "--pool": a.Pool.Name = Next(); break;
                    case "--range": a.Pool.Ranges.Add(Next()); break;
                    case "--lease-duration": a.Pool.LeaseDuration = Duration(Next()); break;
                    case "--count": a.Count = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                    case "--parallel": a.Parallel = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                    case "--holder-prefix": a.HolderPrefix = Next(); break;
                    case "--node": a.Node = Next(); break;
                    case "--hold": a.Hold = true; break;
                    case "--report-latency": a.ReportLatency = true; break;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
            {
                a.Error = ex.Message;
                return a;
            }
        }

        a.Error = a.Pool.Ranges.Count == 0 ? "--range is required"
            : a.Store is not ("embedded" or "etcd") ? $"--store {a.Store}: embedded or etcd"
            : a.Store == "embedded" && a.Journal is null ? "--store embedded needs --journal PATH"
            : a.Count < 0 || a.Parallel < 1 ? "--count must be >= 0 and --parallel >= 1"
            : null;
        return a;
    }

    private static TimeSpan Duration(string text)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        (string n, double scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1) : text.EndsWith('m') ? (text[..^1], 60) : text.EndsWith('h') ? (text[..^1], 3600) : (text, 1);
        return double.TryParse(n, System.Globalization.NumberStyles.Float, inv, out var v) ? TimeSpan.FromSeconds(v * scale)
            : TimeSpan.TryParse(text, inv, out var t) ? t : throw new FormatException($"'{text}' is not a duration");
    }
}
