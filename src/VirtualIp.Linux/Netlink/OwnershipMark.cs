namespace VirtualIp.Linux.Netlink;

/// <summary>
/// How VirtualIp marks the addresses it adds so that a restarted process (or another instance) can find them.
/// </summary>
/// <remarks>
/// The mark is the address protocol, <c>IFA_PROTO</c> (rtnetlink attribute 11, Linux 5.18 and later), set to
/// <see cref="Value"/> = 0x56 ('V' for VirtualIp). The kernel keeps it with the address for its whole life, so it
/// survives the process; <c>ip -d addr</c> prints it as <c>proto 0x56</c>. The kernel itself uses 1 to 3
/// (<c>kernel_lo</c>, <c>kernel_ra</c>, <c>kernel_ll</c>); 0 is "unspecified", which is what every other tool
/// leaves. Kernels older than 5.18 silently ignore the attribute (RTM_NEWADDR is parsed leniently there and
/// attribute types above their IFA_MAX are skipped, so the add succeeds): addresses are then added unmarked and
/// <c>RemoveStaleAsync</c> finds nothing to clean up (it never removes unmarked addresses). The binder says so in
/// its log: at stale cleanup on a kernel older than 5.18, and after the first marked add if the kernel dropped the
/// mark (this also catches kernels whose version number hides a backport either way).
/// </remarks>
internal static class OwnershipMark
{
    /// <summary>The IFA_PROTO value VirtualIp writes: 0x56 ('V').</summary>
    internal const byte Value = 0x56;

    /// <summary>The first Linux version that keeps IFA_PROTO (5.18).</summary>
    internal static readonly Version FirstKernel = new(5, 18);

    /// <summary>The running kernel's version (uname release; what <see cref="Environment.OSVersion"/> reports on Linux).</summary>
    internal static Version RunningKernel => Environment.OSVersion.Version;

    /// <summary>Whether a kernel of version <paramref name="kernel"/> keeps the mark (older ones ignore the attribute).</summary>
    internal static bool IsKeptBy(Version kernel) => kernel >= FirstKernel;
}
