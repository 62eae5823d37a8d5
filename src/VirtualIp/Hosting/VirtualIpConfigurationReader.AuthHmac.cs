using Microsoft.Extensions.Configuration;
using VirtualIp.Vrrp;

namespace VirtualIp.Hosting;

/// <summary>Reads <c>Routers:N:AuthHmac</c> (keepalived's <c>auth_hmac</c> block).</summary>
internal static partial class VirtualIpConfigurationReader
{
    private static VrrpAuthHmacOptions? ReadAuthHmac(IConfigurationSection section, Reader r)
    {
        if (!section.Exists())
        {
            return null;
        }

        var o = new VrrpAuthHmacOptions();
        foreach (var k in Reader.List(section, "Keys"))
        {
            o.Keys.Add(k.Value ?? "");
        }

        r.Int(section, "ActiveKey", v => o.ActiveKey = v);
        r.Enum<VrrpAuthHmacMode>(section, "Mode", v => o.Mode = v, s => s.Replace("-", "", StringComparison.Ordinal));
        r.Enum<VrrpAntiReplay>(section, "AntiReplay", v => o.AntiReplay = v);
        r.Duration(section, "TimeWindow", v => o.TimeWindow = v);
        return o;
    }
}
