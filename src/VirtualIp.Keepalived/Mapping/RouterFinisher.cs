using System.Net.Sockets;
using VirtualIp.Keepalived.Parsing;

namespace VirtualIp.Keepalived.Mapping;

/// <summary>
/// Settles what depends on the whole file (version defaults, scripts referenced by name) and drops routers the
/// configuration reader would reject, reporting why: the output always validates.
/// </summary>
internal static class RouterFinisher
{
    public static void Finish(ImportModel model, Diagnostics d)
    {
        var kept = new List<RouterModel>();
        foreach (var r in model.Routers)
        {
            if (Complete(r, model, d) && Unique(r, kept, d))
            {
                kept.Add(r);
            }
        }

        model.Routers.Clear();
        model.Routers.AddRange(kept);
        Notify(model, d);
    }

    /// <summary>VirtualIp's Notify commands run for every router: an instance's command is imported only when all instances have the same.</summary>
    private static void Notify(ImportModel model, Diagnostics d)
    {
        foreach (var key in model.Routers.SelectMany(r => r.Notify.Keys).Distinct().ToList())
        {
            var commands = model.Routers.Select(r => r.Notify.TryGetValue(key, out var c) ? c.Command : null).Distinct().ToList();
            foreach (var r in model.Routers.Where(r => r.Notify.ContainsKey(key)))
            {
                var (command, node) = r.Notify[key];
                if (commands.Count == 1)
                {
                    model.Notify.Set(key, command, node, d);
                }
                else
                {
                    d.Unmap(node, $"VirtualIp's Notify:{key} runs for every router; the instances' commands differ (or some have none)");
                }
            }
        }
    }

    private static bool Complete(RouterModel r, ImportModel model, Diagnostics d)
    {
        string missing = r.Interface is null ? "no interface" : r.VirtualRouterId is null ? "no virtual_router_id" : r.Vips.Count == 0 ? "no usable virtual_ipaddress" : "";
        if (missing.Length > 0)
        {
            d.Unmap(r.Node, $"vrrp_instance {r.Name} has {missing}: not imported");
            return false;
        }

        bool v6 = InstanceMapper.IsIPv6(r);
        int version = r.Version ?? model.DefaultVersion ?? 2;
        if (v6 && version == 2)
        {
            if (r.Version is not null)
            {
                d.Unmap(r.Node.File, r.Node.Line, "version", $"{r.Name}: VRRPv2 is IPv4 only; IPv6 runs VRRPv3 (as keepalived does)");
            }

            version = 3;
        }

        r.Version = version;
        var adv = r.AdvertInterval;
        if (version == 2 && (adv.Ticks % TimeSpan.TicksPerSecond != 0 || adv < TimeSpan.FromSeconds(1)))
        {
            var whole = TimeSpan.FromSeconds(Math.Clamp(Math.Round(adv.TotalSeconds), 1, 255));
            d.Unmap(r.AdvertNode ?? r.Node, $"VRRPv2 adverts are whole seconds; imported as {Values.Duration(whole)}");
            r.AdvertInterval = whole;
        }
        else if (version == 3)
        {
            var steps = TimeSpan.FromMilliseconds(Math.Round(adv.TotalMilliseconds / 10) * 10);
            if (steps < TimeSpan.FromMilliseconds(10) || steps > TimeSpan.FromMilliseconds(40950))
            {
                d.Unmap(r.AdvertNode ?? r.Node, "VRRPv3 adverts are 10 ms..40.95 s; the default 1s is imported");
                steps = TimeSpan.FromSeconds(1);
            }

            r.AdvertInterval = steps;
        }

        r.ChecksumAsV2 = (r.ChecksumAsV2 || model.DefaultChecksumAsV2) && version == 3 && !v6;
        if (r.AuthPass is { } pass && (version != 2 || r.Hmac is not null))
        {
            d.Unmap(pass.Node, r.Hmac is not null ? "auth_hmac is used instead" : "keepalived ignores PASS authentication with VRRPv3; not imported");
            r.AuthPass = null;
        }

        if (r.Hmac is { Keys.Count: 0 })
        {
            d.Unmap(r.Node.File, r.Node.Line, "auth_hmac", $"{r.Name}: auth_hmac without a usable key; not imported");
            r.Hmac = null;
        }

        var family = v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        r.UnicastPeers.RemoveAll(p =>
        {
            _ = Values.TryAddress(p, out _, out var f);
            if (f != family)
            {
                d.Unmap(r.Node.File, r.Node.Line, "unicast_peer", $"{r.Name}: peer {p} is not of the VIPs' family; not imported");
            }

            return f != family;
        });

        if (r.UnicastSource is { } src)
        {
            _ = Values.TryAddress(src, out _, out var sf);
            string? why = sf != family ? "is not of the VIPs' family"
                : r.UnicastPeers.Count == 0 ? "is set without unicast_peer (multicast)"
                : r.Vips.Exists(v => v.Split('/')[0] == src) ? "is one of the VIPs"
                : null;
            if (why is not null)
            {
                d.Unmap(r.Node.File, r.Node.Line, "unicast_src_ip", $"{r.Name}: {src} {why}; not imported");
                r.UnicastSource = null;
            }
        }

        foreach (var (node, script, weight) in r.TrackScripts)
        {
            var check = model.Checks.FirstOrDefault(c => c.Name == script);
            if (check is null)
            {
                d.Unmap(node, $"no vrrp_script {script} (or it could not be imported)");
            }
            else
            {
                r.TrackChecks.Add((script, weight ?? check.Weight));
            }
        }

        return true;
    }

    private static bool Unique(RouterModel r, List<RouterModel> kept, Diagnostics d)
    {
        if (kept.FirstOrDefault(k => k.Name == r.Name) is { } sameName)
        {
            d.Unmap(r.Node, $"vrrp_instance {r.Name} is defined twice (first at line {sameName.Node.Line}); not imported");
            return false;
        }

        if (kept.FirstOrDefault(k => k.Interface == r.Interface && k.VirtualRouterId == r.VirtualRouterId && k.Family == r.Family) is { } clash)
        {
            d.Unmap(r.Node, $"vrrp_instance {r.Name} uses VRID {r.VirtualRouterId} on {r.Interface} like {clash.Name}; not imported");
            return false;
        }

        return true;
    }
}
