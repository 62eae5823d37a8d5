using VirtualIp.Linux.Vrrp;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Vrrp;

/// <summary>The keepalived-style virtual MAC (private macvlan) created over the veth in a fresh namespace.</summary>
public sealed class VirtualMacTests
{
    [Theory]
    [InlineData(false, "vrrp.51", "00:00:5e:00:01:33")]
    [InlineData(true, "vrrp6.51", "00:00:5e:00:02:33")]
    public void Creates_private_macvlan_with_the_vrrp_mac_and_deletes_it(bool ipv6, string expectedName, string expectedMac)
    {
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        var name = VrrpNetnsPair.RunIn(net.NamespaceA, () => LinuxVirtualMac.Create(VrrpNetnsPair.Interface, 51, ipv6));
        Assert.Equal(expectedName, name);

        var details = Shell.Run("ip", "-n", net.NamespaceA, "-d", "link", "show", name).Output;
        Assert.Contains($"{name}@{VrrpNetnsPair.Interface}", details, StringComparison.Ordinal);
        Assert.Contains($"link/ether {expectedMac}", details, StringComparison.Ordinal);
        Assert.Contains("macvlan mode private", details, StringComparison.Ordinal);
        Assert.Contains(",UP", details, StringComparison.Ordinal);

        Assert.Contains("alias virtualip-vmac", details, StringComparison.Ordinal);
        Assert.Contains("addrgenmode none", details, StringComparison.Ordinal);
        Assert.Equal("1", Sysctl(net.NamespaceA, $"net/ipv4/conf/{name}/arp_ignore"));
        if (!ipv6)
        {
            // keepalived's settings: the macvlan hears the cluster and answers ARP for its own VIPs only; the parent stays quiet for them.
            Assert.Equal("1", Sysctl(net.NamespaceA, $"net/ipv4/conf/{name}/accept_local"));
            Assert.Equal("0", Sysctl(net.NamespaceA, $"net/ipv4/conf/{name}/rp_filter"));
            Assert.Equal("1", Sysctl(net.NamespaceA, $"net/ipv4/conf/{VrrpNetnsPair.Interface}/arp_ignore"));
            Assert.Equal("1", Sysctl(net.NamespaceA, $"net/ipv4/conf/{VrrpNetnsPair.Interface}/arp_filter"));
        }
        else
        {
            // No link-local made from the shared virtual MAC; the parent's link-local instead.
            var addrs = Shell.Run("ip", "-n", net.NamespaceA, "-6", "-o", "addr", "show", "dev", name).Output;
            Assert.DoesNotContain("fe80::200:5eff:fe00:233", addrs, StringComparison.Ordinal);
            Assert.Contains("fe80::", addrs, StringComparison.Ordinal);
        }

        // Our own (marked) leftover is replaced; an unmarked interface of that name is refused with EEXIST.
        Assert.Equal(name, VrrpNetnsPair.RunIn(net.NamespaceA, () => LinuxVirtualMac.Create(VrrpNetnsPair.Interface, 51, ipv6)));
        Assert.True(VrrpNetnsPair.RunIn(net.NamespaceA, () => LinuxVirtualMac.Delete(name)));
        Shell.Run("ip", "-n", net.NamespaceA, "link", "add", "link", VrrpNetnsPair.Interface, "name", name, "type", "macvlan", "mode", "private");
        var again = Assert.Throws<InvalidOperationException>(() => VrrpNetnsPair.RunIn(net.NamespaceA, () => LinuxVirtualMac.Create(VrrpNetnsPair.Interface, 51, ipv6)));
        var ex = Assert.IsType<VrrpTransportException>(again.InnerException);
        Assert.Equal(17, ex.ErrorCode);
        Assert.Contains("already exists", ex.Message, StringComparison.Ordinal);
        Assert.Contains("is not VirtualIp's", ex.Message, StringComparison.Ordinal);

        Assert.True(VrrpNetnsPair.RunIn(net.NamespaceA, () => LinuxVirtualMac.Delete(name)));
        Assert.False(VrrpNetnsPair.RunIn(net.NamespaceA, () => LinuxVirtualMac.Delete(name)));
        Assert.Null(Shell.TryRun("ip", "-n", net.NamespaceA, "link", "show", name));
    }

    /// <summary>Reads a sysctl by its slash form (interface names hold dots).</summary>
    private static string Sysctl(string ns, string key) => Shell.Run("ip", "netns", "exec", ns, "sysctl", "-n", key).Output.Trim();

    [Fact]
    public async Task Transport_on_the_vmac_sends_adverts_the_peer_receives()
    {
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        var vmac = VrrpNetnsPair.RunIn(net.NamespaceA, () => LinuxVirtualMac.Create(VrrpNetnsPair.Interface, 51));
        Shell.Run("ip", "-n", net.NamespaceA, "addr", "add", "192.0.2.11/24", "dev", vmac);
        await using var a = VrrpNetnsPair.RunIn(net.NamespaceA, () => LinuxVrrpTransport.Create(new LinuxVrrpTransportOptions { InterfaceName = vmac }));
        await using var b = VrrpNetnsPair.RunIn(net.NamespaceB, () => LinuxVrrpTransport.Create(new LinuxVrrpTransportOptions { InterfaceName = VrrpNetnsPair.Interface }));
        var handler = new RecordingHandler();
        await b.StartAsync(handler, TestContext.Current.CancellationToken);

        var payload = VrrpBytes.V3Advert(51, 100, 100, [192, 0, 2, 100], [192, 0, 2, 11], [224, 0, 0, 18]);
        var got = (ReceivedCopy?)null;
        for (var i = 0; i < 20 && got is null; i++) // the macvlan may need a moment after coming up
        {
            a.Send(payload, 0);
            got = handler.WaitFor(p => p.Payload.AsSpan().SequenceEqual(payload), TimeSpan.FromMilliseconds(250));
        }

        Assert.NotNull(got);
        Assert.Equal("192.0.2.11", got.Source.ToString());
        Assert.Equal(255, got.Ttl);
    }
}
