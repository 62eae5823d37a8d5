namespace VirtualIp.Linux.Netlink;

/// <summary>
/// How VirtualIp marks the addresses it adds so that a restarted process (or another instance) can find them.
/// </summary>
/// <remarks>
/// The mark is the address protocol, <c>IFA_PROTO</c> (rtnetlink attribute 11, Linux 5.18 and later), set to
/// <see cref="Value"/> = 0x56 ('V' for VirtualIp). The kernel keeps it with the address for its whole life, so it
/// survives the process; <c>ip -d addr</c> prints it as <c>proto 0x56</c>. The kernel itself uses 1 to 3
/// (<c>kernel_lo</c>, <c>kernel_ra</c>, <c>kernel_ll</c>); 0 is "unspecified", which is what every other tool
/// leaves. Kernels older than 5.18 silently ignore the attribute: addresses are then added unmarked and
/// <c>RemoveStaleAsync</c> finds nothing to clean up (it never removes unmarked addresses).
/// </remarks>
internal static class OwnershipMark
{
    /// <summary>The IFA_PROTO value VirtualIp writes: 0x56 ('V').</summary>
    internal const byte Value = 0x56;
}
