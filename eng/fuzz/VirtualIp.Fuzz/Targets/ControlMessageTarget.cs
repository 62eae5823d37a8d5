using VirtualIp.Linux.Vrrp;

namespace VirtualIp.Fuzz.Targets;

/// <summary>
/// The IPv6 raw socket's ancillary data reader (<c>cmsghdr</c> chain: IPV6_HOPLIMIT, IPV6_PKTINFO). Input: the control
/// buffer as recvmsg fills it on this machine (64-bit layout).
/// </summary>
internal static class ControlMessageTarget
{
    public static void Run(ReadOnlySpan<byte> control)
    {
        if (ControlMessageReader.TryReadIPv6(control, out _, out var destination, out _) && destination.Length != 16)
        {
            throw new InvalidOperationException($"IPV6_PKTINFO destination of {destination.Length} bytes");
        }
    }
}
