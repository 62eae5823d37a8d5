using VirtualIp.Keepalived.Parsing;

namespace VirtualIp.Keepalived.Mapping;

/// <summary>Maps a <c>vrrp_script</c> block to an <c>exec:</c> check with keepalived's defaults (1 s, rise 1, fall 1, no jitter).</summary>
internal static class ScriptMapper
{
    public static void Map(ConfigNode block, ImportModel model, Diagnostics d)
    {
        if (block.Arg is not { } name)
        {
            d.Unmap(block, "a vrrp_script without a name");
            return;
        }

        var c = new CheckModel(block, name);
        foreach (var n in block.Children)
        {
            switch (n.Name)
            {
                case "script":
                    c.Command = n.Args.Count > 0 ? string.Join(' ', n.Args) : null;
                    break;
                case "interval":
                    if (Values.TrySeconds(n, 0, 86400, d, out var interval) && interval > TimeSpan.Zero)
                    {
                        c.Interval = interval;
                    }

                    break;
                case "timeout":
                    if (Values.TrySeconds(n, 0, 86400, d, out var timeout) && timeout > TimeSpan.Zero)
                    {
                        c.Timeout = timeout;
                    }

                    break;
                case "weight":
                    if (n.Args.Count > 1)
                    {
                        d.Unmap(n, "reverse weights are not supported; the weight is imported without 'reverse'");
                    }

                    if (Values.TryInt(n, 0, -253, 253, d, out int w))
                    {
                        c.Weight = w;
                    }

                    break;
                case "rise":
                    if (Values.TryInt(n, 0, 1, 1000, d, out int rise))
                    {
                        c.Rise = rise;
                    }

                    break;
                case "fall":
                    if (Values.TryInt(n, 0, 1, 1000, d, out int fall))
                    {
                        c.Fall = fall;
                    }

                    break;
                case "init_fail":
                    c.InitFail = true;
                    break;
                case "user":
                    d.Unmap(n, "checks run as the host's user");
                    break;
                default:
                    d.Unmap(n, "unknown in vrrp_script");
                    break;
            }
        }

        if (c.Command is null)
        {
            d.Unmap(block, $"vrrp_script {name} has no script; not imported");
            return;
        }

        if (model.Checks.Any(x => x.Name == name))
        {
            d.Unmap(block, $"vrrp_script {name} is defined twice; the first is imported");
            return;
        }

        model.Checks.Add(c);
    }
}
