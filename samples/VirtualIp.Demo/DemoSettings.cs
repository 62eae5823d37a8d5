using System.Net;
using VirtualIp.Addressing;

namespace VirtualIp.Demo;

/// <summary>The scenario's constants: one VIP, three nodes, a fast advert interval so the demo is quick.</summary>
internal static class DemoSettings
{
    public const string Interface = "eth0";
    public const int VirtualRouterId = 51;
    public const int EchoPort = 7007;
    public static readonly TimeSpan AdvertInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// No answer for this long (and at least 5 probes unanswered) counts as "the client lost the VIP". Generous on
    /// purpose: on a busy machine answers can be late without being lost.
    /// </summary>
    public static readonly TimeSpan LostAfter = TimeSpan.FromMilliseconds(100);

    public static readonly VipAddress Vip = VipAddress.Parse("192.0.2.100/24");
    public static readonly IPAddress ClientAddress = IPAddress.Parse("192.0.2.2");

    /// <summary>The IPv6 VIP (a second virtual router, same VRID, IPv6 family), when <see cref="WithIpv6"/> is on.</summary>
    public static readonly VipAddress Vip6 = VipAddress.Parse("2001:db8::100/64");
    public static readonly IPAddress ClientAddress6 = IPAddress.Parse("2001:db8::2");

    /// <summary>Also run and probe the IPv6 VIP (--ipv6; network namespaces only).</summary>
    public static bool WithIpv6 { get; set; }

    /// <summary>The router names in node mode.</summary>
    public const string Router4 = "demo";
    public const string Router6 = "demo6";

    /// <summary>Node n1..n3: priority, address and MAC.</summary>
    public static readonly DemoNode[] Nodes =
    [
        new("n1", 150, IPAddress.Parse("192.0.2.11"), IPAddress.Parse("2001:db8::11"), MacAddress.Parse("02:00:00:00:00:01")),
        new("n2", 120, IPAddress.Parse("192.0.2.12"), IPAddress.Parse("2001:db8::12"), MacAddress.Parse("02:00:00:00:00:02")),
        new("n3", 100, IPAddress.Parse("192.0.2.13"), IPAddress.Parse("2001:db8::13"), MacAddress.Parse("02:00:00:00:00:03")),
    ];

    public static readonly MacAddress ClientMac = MacAddress.Parse("02:00:00:00:00:fe");

    /// <summary>RFC 9568 Master_Down_Interval for a backup of <paramref name="priority"/>: 3 × interval + (256 − priority) × interval / 256.</summary>
    public static TimeSpan MasterDownInterval(int priority) =>
        (3 * AdvertInterval) + (AdvertInterval * (256 - priority) / 256);

    public static DemoNode? NodeByMac(MacAddress mac) => Array.Find(Nodes, n => n.Mac == mac);

    public static DemoNode Node(string name) => Array.Find(Nodes, n => n.Name == name) ?? throw new ArgumentException($"No node '{name}'.", nameof(name));
}

/// <summary>One node of the demo network.</summary>
internal sealed record DemoNode(string Name, int Priority, IPAddress Address, IPAddress Address6, MacAddress Mac);
