using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Health;
using VirtualIp.Hosting;

namespace VirtualIp.Failover;

/// <summary>
/// The command line — a contract other tools script against — turned into configuration keys of the
/// "VirtualIp" section, so the command line, appsettings.json and the environment share one validation.
/// </summary>
internal static class FailoverArguments
{
    public const string Usage = """
        usage: VirtualIp.Failover --interface IF --vrid N --priority P --vip CIDR [--vip CIDR ...]
                                  [--advert-interval 1s|100ms|20ms] [--vrrp-version 2|3] [--unicast-peer ADDR ...]
                                  [--unicast-source ADDR] [--strict-unicast-ttl]
                                  [--no-preempt] [--preempt-delay 2s] [--auth-pass PASS] [--name NAME]
                                  [--auth-hmac-key ID:hex:HEX|ID:file:PATH ...] [--auth-hmac-active-key ID]
                                     [--auth-hmac-mode enforce|permissive|receive-only] [--auth-hmac-anti-replay time|monotonic]
                                     [--auth-hmac-window 5s]
                                  [--check tcp://HOST:PORT|http://URL|icmp://HOST|exec:COMMAND
                                     [--check-weight W] [--check-interval 1s] [--check-timeout 1s] [--check-rise N] [--check-fall N]] ...
                                  [--track-interface IF [--track-weight W]] ...
                                  [--audit-log FILE] [--control-socket PATH] [--realtime-priority 1..99] [--lock-memory]
                                  [--page-out-image] [--verbose]
                                  [--elector vrrp|etcd --etcd-endpoints http://H:2379[,...] [--lease-ttl 2s] [--node-id ID]]
        One keepalived-compatible VRRP virtual router (VRRPv3 by default; priority 100, advert 1 s, preempt on).
        Settings can also come from appsettings.json and VIRTUALIP__* environment variables (same keys as the
        "VirtualIp" configuration section); the command line wins.
        --auth-hmac-*: authenticated adverts, wire-compatible with keepalived 2.4.3 auth_hmac (keys of 32 to 64 bytes;
        a key file must not be accessible by group or others; with one key, it is the active key).
        Prints one line per state change. SIGTERM / Ctrl-C: a master sends priority 0 and removes its VIPs.
        --elector etcd: no VRRP; the node holding the etcd election key owns the VIP (--vrid is not needed; --check
        failing makes the owner resign). For networks without multicast or L2 adjacency.
        --control-socket: runtime control (resign, maintenance, priority, takeover, status) for
        "VirtualIp.Failover ctl ..." (see "VirtualIp.Failover ctl --help"). SIGHUP reloads the configuration.
        Migrating: "VirtualIp.Failover import-keepalived keepalived.conf [--output appsettings.json]" writes the
        equivalent configuration and lists what it cannot map (docs/keepalived-migration.md).
        --realtime-priority: SCHED_RR for every thread (keepalived's vrrp_rt_priority; needs CAP_SYS_NICE), for short
        advert intervals on a busy machine; --lock-memory: mlockall (vrrp_no_swap; needs CAP_IPC_LOCK);
        the program's pages only start-up or a state change used are dropped once it has been quiet for 5 s
        (smallest resident size; on by default, Failover:PageOutImage=false keeps them; --page-out-image is accepted).
        Needs CAP_NET_ADMIN and CAP_NET_RAW (run as root or grant them, see systemd/virtualip-failover.service).
        """;

    /// <summary>The configuration key that holds the elector ("vrrp" by default, or "etcd").</summary>
    public const string ElectorKey = "Failover:Elector";

    /// <summary>Turns <paramref name="args"/> into configuration pairs; false with an error naming the bad argument.</summary>
    public static bool TryParse(string[] args, out Dictionary<string, string?> config, out bool verbose, out bool help, out string? error)
    {
        config = new(StringComparer.OrdinalIgnoreCase);
        verbose = false;
        help = false;
        error = null;
        const string R = "VirtualIp:Routers:0:";
        int vips = 0, peers = 0, checks = -1, tracks = 0, hmacKeys = 0;
        string? firstHmacKeyId = null;
        bool hmacActive = false;
        string? name = null, vrid = null;
        var trackingKeys = new List<(string Kind, int Index)>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string? Next()
            {
                if (i + 1 < args.Length)
                {
                    return args[++i];
                }

                return null;
            }

            string? value = arg is "--verbose" or "--no-preempt" or "--strict-unicast-ttl" or "--lock-memory" or "--page-out-image" or "-h" or "--help" ? null : Next();
            if (value is null && arg is not ("--verbose" or "--no-preempt" or "--strict-unicast-ttl" or "--lock-memory" or "--page-out-image" or "-h" or "--help"))
            {
                error = $"{arg} needs a value.";
                return false;
            }

            switch (arg)
            {
                case "--interface": config[R + "Interface"] = value; break;
                case "--vrid": config[R + "VirtualRouterId"] = vrid = value; break;
                case "--priority": config[R + "Priority"] = value; break;
                case "--vip":
                    if (!VipAddress.TryParse(value, out _))
                    {
                        error = $"--vip {value}: not an address/prefix such as 192.0.2.100/24 or 2001:db8::100/64.";
                        return false;
                    }

                    config[$"{R}Vips:{vips++}"] = value;
                    break;
                case "--advert-interval": config[R + "AdvertisementInterval"] = value; break;
                case "--vrrp-version": config[R + "Version"] = value; break;
                case "--unicast-peer":
                    if (!IPAddress.TryParse(value, out _))
                    {
                        error = $"--unicast-peer {value}: not an IP address.";
                        return false;
                    }

                    config[$"{R}UnicastPeers:{peers++}"] = value;
                    break;
                case "--unicast-source":
                    if (!IPAddress.TryParse(value, out _))
                    {
                        error = $"--unicast-source {value}: not an IP address.";
                        return false;
                    }

                    config[R + "UnicastSource"] = value;
                    break;
                case "--no-preempt": config[R + "Preempt"] = "false"; break;
                case "--strict-unicast-ttl": config[R + "StrictUnicastTtl"] = "true"; break;
                case "--preempt-delay": config[R + "PreemptDelay"] = value; break;
                case "--auth-pass": config[R + "AuthPassword"] = value; break;
                case "--auth-hmac-key":
                    int colon = value!.IndexOf(':', StringComparison.Ordinal);
                    if (colon <= 0 || !(value.AsSpan(colon + 1).StartsWith("hex:") || value.AsSpan(colon + 1).StartsWith("file:")))
                    {
                        error = "--auth-hmac-key: expected ID:hex:HEX or ID:file:PATH (a text key belongs in a file, not on the command line).";
                        return false;
                    }

                    firstHmacKeyId ??= value[..colon];
                    config[$"{R}AuthHmac:Keys:{hmacKeys++}"] = value;
                    break;
                case "--auth-hmac-active-key": config[R + "AuthHmac:ActiveKey"] = value; hmacActive = true; break;
                case "--auth-hmac-mode": config[R + "AuthHmac:Mode"] = value; break;
                case "--auth-hmac-anti-replay": config[R + "AuthHmac:AntiReplay"] = value; break;
                case "--auth-hmac-window": config[R + "AuthHmac:TimeWindow"] = value; break;
                case "--name": config[R + "Name"] = name = value; break;
                case "--check":
                    if (!HealthProbes.TryParse(value, out _))
                    {
                        error = $"--check {value}: expected tcp://HOST:PORT, http://URL, icmp://HOST or exec:COMMAND.";
                        return false;
                    }

                    checks++;
                    config[$"VirtualIp:Checks:{checks}:Name"] = $"check{checks}";
                    config[$"VirtualIp:Checks:{checks}:Target"] = value;
                    config[$"{R}TrackChecks:{checks}:Check"] = $"check{checks}";
                    config[$"{R}TrackChecks:{checks}:Weight"] = "0";
                    trackingKeys.Add(("check", checks));
                    break;
                case "--check-weight" when checks >= 0: config[$"{R}TrackChecks:{checks}:Weight"] = value; break;
                case "--check-interval" when checks >= 0: config[$"VirtualIp:Checks:{checks}:Interval"] = value; break;
                case "--check-timeout" when checks >= 0: config[$"VirtualIp:Checks:{checks}:Timeout"] = value; break;
                case "--check-rise" when checks >= 0: config[$"VirtualIp:Checks:{checks}:Rise"] = value; break;
                case "--check-fall" when checks >= 0: config[$"VirtualIp:Checks:{checks}:Fall"] = value; break;
                case "--track-interface":
                    config[$"{R}TrackInterfaces:{tracks}:Interface"] = value;
                    config[$"{R}TrackInterfaces:{tracks}:Weight"] = "0";
                    tracks++;
                    break;
                case "--track-weight" when tracks > 0: config[$"{R}TrackInterfaces:{tracks - 1}:Weight"] = value; break;
                case "--audit-log": config["VirtualIp:AuditLogPath"] = value; break;
                case "--control-socket": config[Control.ControlSocketServer.PathKey] = value; break;
                case "--realtime-priority": config[ProcessSettings.RealtimePriorityKey] = value; break;
                case "--lock-memory": config[ProcessSettings.LockMemoryKey] = "true"; break;
                case "--page-out-image": config[ProcessSettings.PageOutImageKey] = "true"; break;
                case "--elector" when value is "vrrp" or "etcd": config[ElectorKey] = value; break;
                case "--elector":
                    error = $"--elector {value}: vrrp or etcd.";
                    return false;
                case "--etcd-endpoints": config["VirtualIp:Etcd:Endpoints"] = value; break;
                case "--lease-ttl": config["VirtualIp:Etcd:LeaseTtl"] = value; break;
                case "--node-id": config["VirtualIp:Leases:NodeId"] = value; break;
                case "--verbose": verbose = true; break;
                case "-h" or "--help": help = true; return true;
                case "--check-weight" or "--check-interval" or "--check-timeout" or "--check-rise" or "--check-fall":
                    error = $"{arg} must follow a --check.";
                    return false;
                case "--track-weight":
                    error = "--track-weight must follow a --track-interface.";
                    return false;
                default:
                    error = $"unknown argument '{arg}'.";
                    return false;
            }
        }

        if (hmacKeys == 1 && !hmacActive)
        {
            config[R + "AuthHmac:ActiveKey"] = firstHmacKeyId;
        }

        if (name is null && vrid is not null)
        {
            config[R + "Name"] = $"VI_{vrid}";
        }

        return true;
    }
}
