using System.Globalization;
using VirtualIp.Keepalived.Parsing;

namespace VirtualIp.Keepalived.Mapping;

/// <summary>Gratuitous ARP / NA knobs (per instance or <c>vrrp_garp_*</c> in global_defs) to the one <c>Announcements</c> section.</summary>
internal static class Garp
{
    /// <summary>Maps <paramref name="keyword"/> (without the global <c>vrrp_</c> prefix); false when it is not a GARP knob.</summary>
    public static bool TryMap(ConfigNode n, string keyword, ImportModel model, Diagnostics d)
    {
        var a = model.Announcements;
        switch (keyword)
        {
            case "garp_master_delay":
                if (Values.TrySeconds(n, 0, 86400, d, out var delay))
                {
                    a.Set("SecondBurstDelay", Values.Duration(delay), n, d);
                }

                return true;
            case "garp_master_repeat":
                if (Values.TryInt(n, 0, 1, 100, d, out int repeat))
                {
                    a.Set("BurstCount", repeat.ToString(CultureInfo.InvariantCulture), n, d);
                }

                return true;
            case "garp_master_refresh":
                if (Values.TrySeconds(n, 0, 86400, d, out var refresh))
                {
                    if (refresh > TimeSpan.Zero && refresh < TimeSpan.FromMilliseconds(100))
                    {
                        d.Unmap(n, "VirtualIp refreshes at most every 100 ms");
                    }
                    else
                    {
                        a.Set("RefreshInterval", Values.Duration(refresh), n, d);
                    }
                }

                return true;
            case "garp_master_refresh_repeat":
                if (Values.TryInt(n, 0, 1, 100, d, out int refreshRepeat))
                {
                    a.Set("RefreshCount", refreshRepeat.ToString(CultureInfo.InvariantCulture), n, d);
                }

                return true;
            case "garp_interval" or "gna_interval":
                if (Values.TrySeconds(n, 0, 10, d, out var spacing))
                {
                    a.Set("FrameSpacing", Values.Duration(spacing), n, d);
                }

                return true;
            default:
                return false;
        }
    }
}
