using VirtualIp.Keepalived.Parsing;

namespace VirtualIp.Keepalived.Mapping;

/// <summary>Maps the top-level directives of a parsed configuration to an <see cref="ImportModel"/>.</summary>
internal static class KeepalivedMapper
{
    public static ImportModel Map(IReadOnlyList<ConfigNode> root, Diagnostics d)
    {
        var model = new ImportModel();
        var groups = new List<ConfigNode>();
        foreach (var n in root)
        {
            switch (n.Name)
            {
                case "global_defs":
                    GlobalDefs(n, model, d);
                    break;
                case "vrrp_instance":
                    model.Routers.Add(InstanceMapper.Map(n, model, d));
                    break;
                case "vrrp_script":
                    ScriptMapper.Map(n, model, d);
                    break;
                case "vrrp_sync_group":
                    groups.Add(n);
                    break;
                case "static_ipaddress":
                    StaticAddresses(n, model, d);
                    break;
                default:
                    d.Unmap(n, Reasons.Known.TryGetValue(n.Name, out var why) ? why : "unknown at the top level");
                    break;
            }
        }

        foreach (var g in groups)
        {
            SyncGroups.Map(g, model, d);
        }

        RouterFinisher.Finish(model, d);
        return model;
    }

    private static void GlobalDefs(ConfigNode block, ImportModel model, Diagnostics d)
    {
        foreach (var n in block.Children)
        {
            if (n.Name == "vrrp_version")
            {
                if (Values.TryInt(n, 0, 2, 3, d, out int v))
                {
                    model.DefaultVersion = v;
                }
            }
            else if (n.Name == "v3_checksum_as_v2")
            {
                model.DefaultChecksumAsV2 = true;
            }
            else if (n.Name.StartsWith("vrrp_garp_lower_prio", StringComparison.Ordinal))
            {
                d.Unmap(n, Reasons.LowerPriorityGarp);
            }
            else if (!(n.Name.StartsWith("vrrp_", StringComparison.Ordinal) && Garp.TryMap(n, n.Name[5..], model, d)))
            {
                d.Unmap(n, "no VirtualIp equivalent in global_defs");
            }
        }
    }

    private static void StaticAddresses(ConfigNode block, ImportModel model, Diagnostics d)
    {
        foreach (var a in block.Children)
        {
            int dev = a.Args.ToList().IndexOf("dev");
            if (!Values.TryPrefix(a.Name, out var vip, out _))
            {
                d.Unmap(a, "not an address or ADDRESS/PREFIX");
            }
            else if (dev < 0 || dev + 1 >= a.Args.Count)
            {
                d.Unmap(a, "a static address without 'dev IF'");
            }
            else
            {
                string iface = a.Args[dev + 1];
                if (a.Args.Count > 2)
                {
                    d.Unmap(a, $"address options other than 'dev' are ignored; {vip} is imported without them");
                }

                var entry = model.StaticVips.FirstOrDefault(s => s.Interface == iface);
                if (entry.Vips is null)
                {
                    entry = (iface, []);
                    model.StaticVips.Add(entry);
                }

                entry.Vips.Add(vip);
            }
        }
    }
}
