using System.Net.Sockets;
using VirtualIp.Keepalived.Parsing;

namespace VirtualIp.Keepalived.Mapping;

/// <summary>Maps one <c>vrrp_instance</c> block to a router.</summary>
internal static partial class InstanceMapper
{
    public static RouterModel Map(ConfigNode instance, ImportModel model, Diagnostics d)
    {
        var r = new RouterModel(instance, instance.Arg ?? $"vrrp{model.Routers.Count}");
        if (instance.Arg is null)
        {
            d.Unmap(instance, $"an instance without a name; named '{r.Name}'");
        }

        foreach (var n in instance.Children)
        {
            switch (n.Name)
            {
                case "state":
                    if (n.Arg is not ("MASTER" or "BACKUP"))
                    {
                        d.Unmap(n, "state is MASTER or BACKUP");
                    }

                    break; // the initial state: the election decides (priority and preemption are imported)
                case "interface":
                    if (n.Arg is null)
                    {
                        d.Unmap(n, "no interface named");
                    }
                    else
                    {
                        r.Interface = n.Arg;
                    }

                    break;
                case "virtual_router_id":
                    if (Values.TryInt(n, 0, 1, 255, d, out int vrid))
                    {
                        r.VirtualRouterId = vrid;
                    }

                    break;
                case "priority":
                    if (Values.TryInt(n, 0, 1, 255, d, out int prio))
                    {
                        r.Priority = prio;
                    }

                    break;
                case "version":
                    if (Values.TryInt(n, 0, 2, 3, d, out int version))
                    {
                        r.Version = version;
                    }

                    break;
                case "advert_int":
                    if (Values.TrySeconds(n, 0, 255, d, out var adv))
                    {
                        r.AdvertInterval = adv;
                        r.AdvertNode = n;
                    }

                    break;
                case "preempt":
                    r.Preempt = true;
                    break;
                case "nopreempt":
                    r.Preempt = false;
                    break;
                case "preempt_delay":
                    if (Values.TrySeconds(n, 0, 1000, d, out var delay))
                    {
                        r.PreemptDelay = delay;
                    }

                    break;
                case "v3_checksum_as_v2":
                    r.ChecksumAsV2 = true;
                    break;
                case "virtual_ipaddress" or "virtual_ipaddress_excluded":
                    Vips(n, r, d);
                    break;
                case "unicast_peer":
                    Peers(n, r, d);
                    break;
                case "unicast_src_ip":
                    if (n.Arg is null || !Values.TryAddress(n.Arg, out var source, out _))
                    {
                        d.Unmap(n, "not an IP address");
                    }
                    else
                    {
                        r.UnicastSource = source;
                    }

                    break;
                case "authentication":
                    Authentication(n, r, d);
                    break;
                case "auth_hmac":
                    r.Hmac = Hmac(n, d);
                    break;
                case "track_script":
                    TrackScripts(n, r, d);
                    break;
                case "track_interface":
                    TrackInterfaces(n, r, d);
                    break;
                case "notify":
                    Notify(n, r, "Any", d);
                    break;
                case "notify_master":
                    Notify(n, r, "Master", d);
                    break;
                case "notify_backup":
                    Notify(n, r, "Backup", d);
                    break;
                case "notify_fault":
                    Notify(n, r, "Fault", d);
                    break;
                default:
                    if (!Garp.TryMap(n, n.Name, model, d))
                    {
                        d.Unmap(n, Reasons.Known.TryGetValue(n.Name, out var why) ? why : "unknown in vrrp_instance");
                    }

                    break;
            }
        }

        return r;
    }

    private static void Notify(ConfigNode n, RouterModel r, string key, Diagnostics d)
    {
        if (n.Args.Count == 0)
        {
            d.Unmap(n, "no command given");
            return;
        }

        r.Notify[key] = (string.Join(' ', n.Args), n);
    }

    private static void Vips(ConfigNode block, RouterModel r, Diagnostics d)
    {
        foreach (var v in block.Children)
        {
            if (!Values.TryPrefix(v.Name, out var vip, out var family))
            {
                d.Unmap(v, "not an address or ADDRESS/PREFIX");
                continue;
            }

            for (int i = 0; i < v.Args.Count; i++)
            {
                string option = v.Args[i];
                string? value = i + 1 < v.Args.Count ? v.Args[i + 1] : null;
                if (option == "dev" && value is not null)
                {
                    i++;
                    if (r.Interface is not null && value != r.Interface)
                    {
                        d.Unmap(v, $"on another interface ({value}): VirtualIp binds a router's VIPs on its own interface ({r.Interface}); make it a router of its own");
                        goto next;
                    }
                }
                else if (option is "label" or "brd" or "broadcast" or "scope" or "preferred_lft" or "valid_lft" or "metric")
                {
                    i++;
                    d.Unmap(v.File, v.Line, option, $"address option ignored: VIP {vip} is imported without it");
                }
                else
                {
                    d.Unmap(v.File, v.Line, option, $"address option ignored: VIP {vip} is imported without it");
                }
            }

            if (r.Family is { } f && f != family)
            {
                d.Unmap(v, $"{vip} is not of the router's family (the first VIP's); keepalived ignores it too");
                continue;
            }

            if (r.Vips.Contains(vip))
            {
                d.Unmap(v, $"{vip} is listed twice");
                continue;
            }

            r.Family = family;
            r.Vips.Add(vip);
        next:;
        }
    }

    private static void Peers(ConfigNode block, RouterModel r, Diagnostics d)
    {
        foreach (var p in block.Children)
        {
            if (!Values.TryAddress(p.Name, out var peer, out _))
            {
                d.Unmap(p, "not an IP address");
                continue;
            }

            if (p.Args.Count > 0)
            {
                d.Unmap(p.File, p.Line, p.Args[0], $"peer option ignored: {peer} is imported without it");
            }

            r.UnicastPeers.Add(peer);
        }
    }

    private static void TrackScripts(ConfigNode block, RouterModel r, Diagnostics d)
    {
        foreach (var t in block.Children)
        {
            if (TryWeight(t, d, out int? weight))
            {
                r.TrackScripts.Add((t, t.Name, weight));
            }
        }
    }

    private static void TrackInterfaces(ConfigNode block, RouterModel r, Diagnostics d)
    {
        foreach (var t in block.Children)
        {
            if (TryWeight(t, d, out int? weight))
            {
                r.TrackInterfaces.Add((t.Name, weight ?? 0));
            }
        }
    }

    /// <summary><c>NAME [weight W [reverse]]</c>; false (reported) when it cannot be mapped.</summary>
    internal static bool TryWeight(ConfigNode t, Diagnostics d, out int? weight)
    {
        weight = null;
        if (t.Args.Count == 0)
        {
            return true;
        }

        if (t.Args[0] != "weight" || !Values.TryInt(t, 1, -253, 253, d, out int w))
        {
            if (t.Args[0] != "weight")
            {
                d.Unmap(t, $"'{t.Args[0]}' is not 'weight W'");
            }

            return false;
        }

        if (t.Args.Count > 2)
        {
            d.Unmap(t, $"'{string.Join(' ', t.Args.Skip(2))}' after the weight (reverse weights are not supported); not tracked");
            return false;
        }

        weight = w;
        return true;
    }

    /// <summary>The address family a router runs on (its first VIP's).</summary>
    public static bool IsIPv6(RouterModel r) => r.Family == AddressFamily.InterNetworkV6;
}
