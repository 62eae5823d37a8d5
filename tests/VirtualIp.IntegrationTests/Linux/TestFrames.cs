using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Frames;

namespace VirtualIp.IntegrationTests.Linux;

/// <summary>Announcement frames for the kernel tests, written by the library's own frame writers.</summary>
internal static class TestFrames
{
    public static byte[] GratuitousArp(MacAddress mac, IPAddress vip)
    {
        var frame = new byte[Arp.FrameLength];
        int n = Arp.WriteGratuitousRequest(frame, mac, vip.GetAddressBytes());
        return frame[..n];
    }

    public static byte[] UnsolicitedNa(MacAddress mac, IPAddress linkLocalSource, IPAddress target)
    {
        var frame = new byte[Ndp.NeighborAdvertisementFrameLength];
        int n = Ndp.WriteUnsolicitedNeighborAdvertisement(frame, mac, target.GetAddressBytes(), router: false, sourceAddress: linkLocalSource.GetAddressBytes());
        return frame[..n];
    }
}
