using VirtualIp.Addressing;
using VirtualIp.Announcing;
using VirtualIp.Frames;
using VirtualIp.Linux.Packet;
using VirtualIp.Vrrp;

namespace VirtualIp.Fuzz.Targets;

/// <summary>
/// The frame parsers on one received Ethernet frame: Ethernet (with VLAN tag), IPv4, IPv6, ARP, NDP, the whole-frame
/// VRRP parser, and the AF_PACKET claim listener's classifier. Input: the frame. Seeds: keepalived's captured frames.
/// </summary>
internal static class FramesTarget
{
    private static readonly NoClaims s_handler = new();

    public static void Run(ReadOnlySpan<byte> frame)
    {
        if (Ethernet.TryParse(frame, out var ethernet, out _))
        {
            _ = IPv4.TryParse(ethernet.Payload, out _, out _);
            _ = IPv6.TryParse(ethernet.Payload, out _, out _);
        }

        _ = Arp.TryParse(frame, out _, out _);
        _ = Ndp.TryParse(frame, out _, out _);
        _ = VrrpFrame.TryParse(frame, out _, out _);
        _ = VrrpFrame.TryParse(frame, new VrrpReceiveContext(false, 0, default, default) { ExpectedVersion = VrrpVersion.V3 }, out _, out _);
        _ = AfPacketClaimListener.TryGetClaim(frame, s_handler);
    }

    private sealed class NoClaims : INeighborClaimHandler
    {
        public void OnClaim(ReadOnlySpan<byte> address, MacAddress sender)
        {
            if (address.Length is not (4 or 16))
            {
                throw new InvalidOperationException($"a claim of {address.Length} address bytes");
            }
        }
    }
}
