using VirtualIp.Keepalived.Parsing;

namespace VirtualIp.Keepalived.Mapping;

/// <summary>Maps a <c>vrrp_sync_group</c> to the <c>SyncGroup</c> of its member routers.</summary>
internal static class SyncGroups
{
    public static void Map(ConfigNode block, ImportModel model, Diagnostics d)
    {
        if (block.Arg is not { } name)
        {
            d.Unmap(block, "a sync group without a name");
            return;
        }

        foreach (var n in block.Children)
        {
            if (n.Name != "group")
            {
                d.Unmap(n, n.Name.StartsWith("notify", StringComparison.Ordinal)
                    ? "VirtualIp's notify commands run per router, not per sync group"
                    : n.Name.StartsWith("track_", StringComparison.Ordinal)
                        ? "tracking on a sync group: track on each member instance instead"
                        : Reasons.Known.TryGetValue(n.Name, out var why) ? why : "unknown in vrrp_sync_group");
                continue;
            }

            foreach (var member in n.Children.SelectMany(m => m.Args.Prepend(m.Name).Select(x => (Node: m, Name: x))).Concat(n.Args.Select(x => (Node: n, Name: x))))
            {
                var router = model.Routers.FirstOrDefault(r => r.Name == member.Name);
                if (router is null)
                {
                    d.Unmap(member.Node, $"sync group {name}: no vrrp_instance {member.Name}");
                }
                else if (router.SyncGroup is { } other)
                {
                    d.Unmap(member.Node, $"{member.Name} is already in sync group {other}");
                }
                else
                {
                    router.SyncGroup = name;
                }
            }
        }
    }
}
