using System.Globalization;
using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Vrrp;

namespace VirtualIp.Failover;

/// <summary>The command line, parsed into router options.</summary>
internal static class FailoverArguments
{
    public const string Usage = """
        usage: VirtualIp.Failover --interface IF --vrid N --priority P --vip CIDR [--vip CIDR ...]
                                  [--advert-interval 1s|100ms] [--vrrp-version 2|3] [--unicast-peer ADDR ...]
                                  [--no-preempt] [--preempt-delay 2s] [--name NAME] [--verbose]
        Runs one VRRP virtual router (keepalived-compatible). SIGTERM / Ctrl-C: sends priority 0 and removes the VIPs.
        Needs CAP_NET_RAW and CAP_NET_ADMIN.
        """;

    /// <summary>Parses <paramref name="args"/>; returns null and an error message on bad input.</summary>
    public static VrrpRouterOptions? TryParse(string[] args, out bool verbose, out string? error)
    {
        var o = new VrrpRouterOptions { RemoveStaleAddressesOnStart = false };
        verbose = false;
        error = null;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--interface": o.Interface = Next(); break;
                    case "--vrid": o.VirtualRouterId = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--priority": o.Priority = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--vip": o.Vips.Add(VipAddress.Parse(Next())); break;
                    case "--advert-interval": o.AdvertisementInterval = ParseDuration(Next()); break;
                    case "--vrrp-version":
                        o.Version = Next() switch
                        {
                            "2" => VrrpVersion.V2,
                            "3" => VrrpVersion.V3,
                            var v => throw new FormatException($"--vrrp-version {v}: expected 2 or 3"),
                        };
                        break;
                    case "--unicast-peer": o.UnicastPeers.Add(IPAddress.Parse(Next())); break;
                    case "--no-preempt": o.Preempt = false; break;
                    case "--preempt-delay": o.PreemptDelay = ParseDuration(Next()); break;
                    case "--name": o.Name = Next(); break;
                    case "--verbose": verbose = true; break;
                    case "-h" or "--help": error = ""; return null;
                    default: throw new FormatException($"unknown argument '{args[i]}'");
                }
            }
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return null;
        }
        catch (OverflowException ex)
        {
            error = ex.Message;
            return null;
        }

        if (o.Name.Length == 0)
        {
            o.Name = $"VI_{o.VirtualRouterId}";
        }

        var problems = VirtualRouterFactory.Validate([o], keyPrefix: "args");
        if (problems.Count > 0)
        {
            error = string.Join(Environment.NewLine, problems);
            return null;
        }

        return o;
    }

    /// <summary>"1s", "100ms", "2.5s", "1m" or a bare number of seconds.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        static double Number(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
        return text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => TimeSpan.FromMilliseconds(Number(text[..^2])),
            _ when text.EndsWith('s') => TimeSpan.FromSeconds(Number(text[..^1])),
            _ when text.EndsWith('m') => TimeSpan.FromMinutes(Number(text[..^1])),
            _ => TimeSpan.FromSeconds(Number(text)),
        };
    }
}
