using System.Net;
using VirtualIp.Linux.Vrrp;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Vrrp;

/// <summary>keepalived 2.x in namespace A, our raw-socket transport in namespace B: the bytes on the wire interoperate.</summary>
public sealed class KeepalivedInteropTests
{
    private static readonly TimeSpan s_masterWait = TimeSpan.FromSeconds(12);
    private static readonly IPAddress s_a4 = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress s_b4 = IPAddress.Parse("192.0.2.2");

    private static string Config(bool ipv6, int? version) => $$"""
        global_defs {
          router_id vrrpnet-test
        {{(version is { } v ? $"  vrrp_version {v}" : "")}}
        }
        vrrp_instance VI_1 {
          state BACKUP
          interface {{VrrpNetnsPair.Interface}}
          virtual_router_id 51
          priority 150
          advert_int 1
          virtual_ipaddress {
            {{(ipv6 ? "2001:db8::100/64" : "192.0.2.100/24")}}
          }
        }
        """;

    private static RawVrrpTransport Open(string ns, bool ipv6) =>
        VrrpNetnsPair.RunIn(ns, () => (RawVrrpTransport)LinuxVrrpTransport.Create(
            new LinuxVrrpTransportOptions { InterfaceName = VrrpNetnsPair.Interface, IsIPv6 = ipv6 }));

    [Theory]
    [InlineData(false, null, 0x21)]
    [InlineData(false, 3, 0x31)]
    [InlineData(true, 3, 0x31)]
    public async Task Keepalived_adverts_are_received_with_ttl_255(bool ipv6, int? version, int firstByte)
    {
        TestEnvironment.RequireRootAndTools("ip", "keepalived");
        using var net = VrrpNetnsPair.Create();
        await using var b = Open(net.NamespaceB, ipv6);
        var handler = new RecordingHandler();
        await b.StartAsync(handler, TestContext.Current.CancellationToken);
        using var keepalived = KeepalivedProcess.Start(net.NamespaceA, Config(ipv6, version));

        var got = handler.WaitFor(p => p.Payload.Length >= 8 && p.Payload[1] == 51, s_masterWait);
        Assert.True(got is not null, "no advert from keepalived; log:\n" + keepalived.Log);
        Assert.Equal(firstByte, got.Payload[0]);
        Assert.Equal(150, got.Payload[2]);
        Assert.Equal(1, got.Payload[3]);
        Assert.Equal(255, got.Ttl);
        if (ipv6)
        {
            Assert.Equal(IPAddress.Parse(net.LinkLocal(net.NamespaceA)).GetAddressBytes(), got.Source.GetAddressBytes());
            Assert.Equal(IPAddress.Parse("ff02::12"), got.Destination);
            Assert.False(got.ChecksumVerified); // the engine verifies IPv6 checksums itself (issue 11); keepalived's is right:
            Assert.Equal(0, VrrpBytes.Checksum(got.Payload, got.Source.GetAddressBytes(), got.Destination.GetAddressBytes()));
            Assert.Equal(IPAddress.Parse("2001:db8::100").GetAddressBytes(), got.Payload.AsSpan(8, 16).ToArray());
        }
        else
        {
            Assert.Equal(s_a4, got.Source);
            Assert.Equal(IPAddress.Parse("224.0.0.18"), got.Destination);
            Assert.Equal(new byte[] { 192, 0, 2, 100 }, got.Payload.AsSpan(8, 4).ToArray());
        }

        Assert.Equal(0, b.InvalidTtlPackets);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Keepalived_master_steps_down_to_backup_on_our_priority_200_advert(bool ipv6)
    {
        TestEnvironment.RequireRootAndTools("ip", "keepalived");
        using var net = VrrpNetnsPair.Create();
        await using var b = Open(net.NamespaceB, ipv6);
        var handler = new RecordingHandler();
        await b.StartAsync(handler, TestContext.Current.CancellationToken);
        using var keepalived = KeepalivedProcess.Start(net.NamespaceA, Config(ipv6, 3));
        Assert.True(keepalived.WaitForLog("Entering MASTER STATE", s_masterWait), "keepalived never became MASTER; log:\n" + keepalived.Log);

        // VRRPv3, vrid 51, priority 200, 1 s interval, our VIP; IPv4 checksum over the pseudo-header (keepalived's default),
        // IPv6 checksum left to the kernel.
        var advert = ipv6
            ? VrrpBytes.V3Advert(51, 200, 100, IPAddress.Parse("2001:db8::100").GetAddressBytes())
            : VrrpBytes.V3Advert(51, 200, 100, [192, 0, 2, 100], s_b4.GetAddressBytes(), [224, 0, 0, 18]);
        var stepped = false;
        for (var i = 0; i < 30 && !stepped; i++)
        {
            b.Send(advert, 0);
            stepped = keepalived.WaitForLog("Entering BACKUP STATE", TimeSpan.FromMilliseconds(200), occurrences: 2);
        }

        Assert.True(stepped, "keepalived did not step down; log:\n" + keepalived.Log);
        var expectedSource = ipv6 ? b.LocalAddress.ToString().Split('%')[0] : "192.0.2.2";
        Assert.Contains($"received advert from {expectedSource} with higher priority 200, ours 150", keepalived.Log, StringComparison.Ordinal);
    }
}
