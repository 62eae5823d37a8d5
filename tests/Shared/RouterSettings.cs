using System.Globalization;

namespace VirtualIp.Testing;

/// <summary>Configuration keys of the one-router hosts the hosting-level tests build (simulated LAN or otherwise).</summary>
internal static class RouterSettings
{
    /// <summary>
    /// Router 0 "web", VRID 51, on <paramref name="interfaceName"/> with <paramref name="priority"/>, adverts every
    /// <paramref name="advertisementInterval"/>, one VIP <paramref name="vip"/>; callers add their own keys to the result.
    /// </summary>
    public static Dictionary<string, string?> Web(string interfaceName, int priority, string advertisementInterval = "1s", string vip = "192.0.2.100/24") => new()
    {
        ["VirtualIp:Routers:0:Name"] = "web",
        ["VirtualIp:Routers:0:Interface"] = interfaceName,
        ["VirtualIp:Routers:0:VirtualRouterId"] = "51",
        ["VirtualIp:Routers:0:Priority"] = priority.ToString(CultureInfo.InvariantCulture),
        ["VirtualIp:Routers:0:AdvertisementInterval"] = advertisementInterval,
        ["VirtualIp:Routers:0:Vips:0"] = vip,
    };
}
