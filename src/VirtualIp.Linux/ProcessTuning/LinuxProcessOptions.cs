namespace VirtualIp.Linux.ProcessTuning;

/// <summary>
/// Process-level settings for a daemon that runs short advert intervals on a busy machine (keepalived's
/// <c>vrrp_rt_priority</c> and <c>vrrp_no_swap</c>) and for a small resident footprint. Applied by
/// <c>UseLinuxProcess</c> when the host starts; every thread of the process is affected, not one router.
/// </summary>
public sealed class LinuxProcessOptions
{
    /// <summary>The highest SCHED_RR priority Linux accepts.</summary>
    public const int MaxRealtimePriority = 99;

    /// <summary>
    /// SCHED_RR priority 1..99 for every thread of the process (threads created later inherit it); 0, the default,
    /// leaves the scheduling alone. Needs CAP_SYS_NICE (root has it) or an RLIMIT_RTPRIO at least this high.
    /// </summary>
    public int RealtimePriority { get; set; }

    /// <summary>
    /// <c>mlockall(MCL_CURRENT | MCL_FUTURE)</c>: no page of the process is swapped out or dropped, so a timer never waits
    /// for a page-in. Raises the resident size (thread stacks and the whole mapped image become resident). Needs
    /// CAP_IPC_LOCK or an RLIMIT_MEMLOCK large enough.
    /// </summary>
    public bool LockMemory { get; set; }

    /// <summary>
    /// Once the host has started: one compacting, decommitting collection and glibc <c>malloc_trim</c>, so memory used
    /// only by start-up (configuration, dependency injection, the first bind) goes back to the kernel. Default true.
    /// </summary>
    public bool TrimMemoryAfterStart { get; set; } = true;

    /// <summary>
    /// <c>madvise(MADV_PAGEOUT)</c> over the executable's own image once the process has been quiet for
    /// <see cref="PageOutQuietPeriod"/>: after the start, and again after every state change of a router (a takeover
    /// or a release runs code the steady state does not), so the code and data only start-up and transitions touched
    /// leave the resident set (Native AOT puts the whole program in one file). The price: code first needed later (the
    /// next takeover) is read back on first use, from the page cache or the disk; <see cref="LockMemory"/> keeps
    /// everything resident instead (and turns this off). Default false; the Failover sample turns it on.
    /// </summary>
    public bool PageOutImageAfterStart { get; set; }

    /// <summary>
    /// How long the process must be free of state changes before <see cref="PageOutImageAfterStart"/> pages the image
    /// out (0.1 s .. 1 h). Default 5 s: longer than a takeover's binds and announcements.
    /// </summary>
    public TimeSpan PageOutQuietPeriod { get; set; } = TimeSpan.FromSeconds(5);
}
