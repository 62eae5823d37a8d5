namespace VirtualIp.LoadBalancer;

/// <summary>Tiny "--name value" / "--flag" parser.</summary>
internal static class CommandLine
{
    public const string Usage = """
        usage:
          VirtualIp.LoadBalancer --listen ADDR:PORT --backends HOST:PORT[*WEIGHT],HOST:PORT,...
                [--scheduler round-robin|weighted-round-robin|least-connections|weighted-least-connections|random|power-of-two|source-hash|maglev|rendezvous]
                [--udp] [--max-connections N] [--drain-timeout SECONDS] [--allow CIDR,...] [--deny CIDR,...] [--check-interval SECONDS]
                [--idle-timeout SECONDS] [--first-byte-timeout SECONDS] [--per-source-limit N (0 = off)] [--per-source-rate PER_SECOND (0 = off)]
                [--server-speaks-first]   (connect the backend at once instead of waiting for the client's first byte)
                [--vip ADDR/PREFIX --interface IF --vrid 1-255 [--priority 1-255] [--advert-interval SECONDS]]
                    with --vip: also hold a floating VIP with VRRP (Linux, root) so two or more forwarders share it;
                    with --listen 0.0.0.0:PORT the forwarder listens on VIP:PORT (IP_FREEBIND) on every node, and a node
                    whose forwarder has no available backend goes to Fault so the VIP moves
                [--control 127.0.0.1:PORT]   runtime commands over loopback HTTP: GET/POST /backends, PUT /backends/NAME/weight,
                    POST /backends/NAME/drain?deadline=10s, POST /backends/NAME/resume, DELETE /backends/NAME?deadline=10s
          VirtualIp.LoadBalancer [--control 127.0.0.1:PORT]   the forwarder from the "Forwarder" section of appsettings.json
                    (working directory, edits apply live) or the environment (Forwarder__Listen, Forwarder__Backends__0, ...)
          VirtualIp.LoadBalancer --echo 127.0.0.1:PORT,127.0.0.1:PORT     (echo backends: loopback or 192.0.2.x/198.51.100.x lab addresses)
          VirtualIp.LoadBalancer --bench 127.0.0.1:PORT [--label NAME] [--duration SECONDS] [--phases conn,bulk,rr]   (loopback load generator)
        """;

    private static readonly HashSet<string> s_flags = ["udp", "server-speaks-first"];

    public static Dictionary<string, string>? Parse(string[] args)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                return null;
            }

            var name = args[i][2..];
            if (s_flags.Contains(name))
            {
                d[name] = "true";
            }
            else if (i + 1 < args.Length)
            {
                d[name] = args[++i];
            }
            else
            {
                return null;
            }
        }

        return d;
    }
}
