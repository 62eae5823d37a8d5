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

        var again = Assert.Throws<InvalidOperationException>(() => VrrpNetnsPair.RunIn(net.NamespaceA, () => LinuxVirtualMac.Create(VrrpNetnsPair.Interface, 51, ipv6)));
        var ex = Assert.IsType<VrrpTransportException>(again.InnerException);
        Assert.Equal(17, ex.ErrorCode);
        Assert.Contains("already exists", ex.Message, StringComparison.Ordinal);

        Assert.True(VrrpNetnsPair.RunIn(net.NamespaceA, () => LinuxVirtualMac.Delete(name)));
        Assert.False(VrrpNetnsPair.RunIn(net.NamespaceA, () => LinuxVirtualMac.Delete(name)));
        Assert.Null(Shell.TryRun("ip", "-n", net.NamespaceA, "link", "show", name));
    }

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
