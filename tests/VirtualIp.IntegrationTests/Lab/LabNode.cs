using System.Net;
using VirtualIp.Addressing;

namespace VirtualIp.IntegrationTests.Lab;

/// <summary>A namespace in the lab, joined to the switch by a veth pair.</summary>
/// <param name="Name">The short role name: "n1", "n2", ..., "client".</param>
/// <param name="Namespace">The network namespace name (unique per lab).</param>
/// <param name="Interface">The interface inside the namespace ("eth0").</param>
/// <param name="SwitchPort">The peer interface on the switch bridge.</param>
/// <param name="Mac">The MAC of <paramref name="Interface"/>.</param>
/// <param name="IPv4">The IPv4 test address (/24).</param>
/// <param name="IPv6">The IPv6 test address (/64, nodad).</param>
internal sealed record LabNode(string Name, string Namespace, string Interface, string SwitchPort, MacAddress Mac, IPAddress IPv4, IPAddress IPv6);
