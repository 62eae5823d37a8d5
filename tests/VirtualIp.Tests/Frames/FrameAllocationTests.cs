using VirtualIp.Addressing;
using VirtualIp.Frames;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Frames;

public sealed class FrameAllocationTests
{
    private static readonly byte[] Vip4 = [192, 0, 2, 100];
    private static readonly byte[] Src4 = [192, 0, 2, 11];
    private static readonly byte[] Vip6 = System.Net.IPAddress.Parse("2001:db8::100").GetAddressBytes();
    private static readonly byte[] Ll6 = System.Net.IPAddress.Parse("fe80::1").GetAddressBytes();

    private static void Once(byte[] buf)
    {
        var mac = MacAddress.ForVirtualRouter(51);
        var vlan = new VlanTag(7);
        int n = Arp.WriteGratuitousRequest(buf, mac, Vip4);
        Check(Arp.TryParse(buf.AsSpan(0, n), out _, out _));
        n = Arp.WriteProbe(buf, mac, Vip4, vlan);
        Check(Arp.TryParse(buf.AsSpan(0, n), out _, out _));
        n = Ndp.WriteUnsolicitedNeighborAdvertisement(buf, mac, Vip6);
        Check(Ndp.TryParse(buf.AsSpan(0, n), out _, out _));
        n = Ndp.WriteDuplicateAddressDetection(buf, mac, Vip6, vlan);
        Check(Ndp.TryParse(buf.AsSpan(0, n), out _, out _));
        n = VrrpFrame.WriteIPv4(buf, mac, VrrpFrame.IPv4MulticastMac, Src4, VrrpFrame.IPv4MulticastGroup,
            new VrrpMessage(VrrpVersion.V3, 51, 150, 100, false, Vip4), identification: 1);
        Check(VrrpFrame.TryParse(buf.AsSpan(0, n), out _, out _));
        n = VrrpFrame.WriteIPv4(buf, mac, VrrpFrame.IPv4MulticastMac, Src4, VrrpFrame.IPv4MulticastGroup,
            new VrrpMessage(VrrpVersion.V2, 51, 150, 100, false, Vip4, VrrpAuthType.SimpleText, "pw"u8), vlan: vlan);
        Check(VrrpFrame.TryParse(buf.AsSpan(0, n), new VrrpReceiveContext(false, 0, default, default) { AuthType = VrrpAuthType.SimpleText, AuthData = "pw"u8 }, out _, out _));
        n = VrrpFrame.WriteIPv6(buf, mac, VrrpFrame.IPv6MulticastMac, Ll6, VrrpFrame.IPv6MulticastGroup,
            new VrrpMessage(VrrpVersion.V3, 51, 150, 100, true, Vip6));
        Check(VrrpFrame.TryParse(buf.AsSpan(0, n), default, out _, out _));
        n = Ethernet.WriteHeader(buf, mac, mac, EtherType.IPv4, vlan);
        Check(Ethernet.TryParse(buf.AsSpan(0, n), out _, out _));
        n = IPv4.WriteHeader(buf, Src4, Vip4, 17, 0);
        Check(IPv4.TryParse(buf.AsSpan(0, n), out _, out _));
        n = IPv6.WriteHeader(buf, Ll6, Vip6, 17, 0);
        Check(IPv6.TryParse(buf.AsSpan(0, n), out _, out _));
    }

    private static void Check(bool ok)
    {
        if (!ok)
        {
            throw new InvalidOperationException("round trip failed");
        }
    }

    [Fact]
    public void Building_and_parsing_frames_allocates_nothing()
    {
        var buf = new byte[256];
        for (int i = 0; i < 100; i++)
        {
            Once(buf);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5000; i++)
        {
            Once(buf);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
