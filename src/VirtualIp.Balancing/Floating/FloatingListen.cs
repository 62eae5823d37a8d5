using System.Globalization;
using System.Net;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Hosting;

namespace VirtualIp.Balancing.Floating;

/// <summary>
/// Points a forwarder attached to a floating VIP at the VIP: a wildcard <see cref="ForwarderOptions.Listen"/>
/// ("0.0.0.0:PORT", "[::]:PORT" or ":PORT") becomes the router's first VIP with that port, and the listener is bound
/// with <see cref="ForwarderOptions.FreeBind"/> so backups listen too. Off Linux (no IP_FREEBIND) the listen address
/// stays as given (a wildcard keeps working there: the master accepts on the VIP it holds).
/// </summary>
internal static class FloatingListen
{
    /// <summary>Applies the rule to <paramref name="forwarder"/> for <paramref name="router"/> of <paramref name="options"/>.</summary>
    public static void Apply(ForwarderOptions forwarder, string router, VirtualIpOptions options, bool linux)
    {
        if (!linux)
        {
            if (TryParsePortOnly(forwarder.Listen, out int p))
            {
                forwarder.Listen = string.Create(CultureInfo.InvariantCulture, $"0.0.0.0:{p}");
            }

            return;
        }

        forwarder.FreeBind = true;
        int port;
        if (ForwarderEndPoints.TryParseListen(forwarder.Listen, out var ep))
        {
            if (!ep.Address.Equals(IPAddress.Any) && !ep.Address.Equals(IPAddress.IPv6Any))
            {
                return; // an explicit address: used as given (still with FreeBind)
            }

            port = ep.Port;
        }
        else if (!TryParsePortOnly(forwarder.Listen, out port))
        {
            return; // the forwarder's validation names the bad Listen value
        }

        var vip = options.Routers.FirstOrDefault(r => r is not null && string.Equals(r.Name, router, StringComparison.Ordinal))?.Vips.FirstOrDefault();
        if (vip is not null)
        {
            forwarder.Listen = new IPEndPoint(vip.Address, port).ToString();
        }
    }

    /// <summary>":PORT" (port 1..65535).</summary>
    internal static bool TryParsePortOnly(string? text, out int port)
    {
        port = 0;
        return text is [':', .. var rest] && int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;
    }
}
