using System.Runtime.InteropServices;

namespace VirtualIp.Linux.Interop;

/// <summary>Process-level libc calls: real-time scheduling, memory locking, returning freed heap to the kernel.</summary>
internal static partial class LibC
{
    internal const int SCHED_OTHER = 0;
    internal const int SCHED_FIFO = 1;
    internal const int SCHED_RR = 2;
    internal const int MCL_CURRENT = 1;
    internal const int MCL_FUTURE = 2;
    internal const int MADV_PAGEOUT = 21;

    /// <summary>struct sched_param.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SchedParam
    {
        internal int Priority;
    }

    /// <summary>sched_setscheduler(2): on Linux <paramref name="tid"/> names one thread (0 = the calling thread).</summary>
    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    internal static partial int SchedSetScheduler(int tid, int policy, in SchedParam param);

    /// <summary>sched_getscheduler(2): the policy of one thread, or -1.</summary>
    [LibraryImport("libc", EntryPoint = "sched_getscheduler", SetLastError = true)]
    internal static partial int SchedGetScheduler(int tid);

    /// <summary>mlockall(2).</summary>
    [LibraryImport("libc", EntryPoint = "mlockall", SetLastError = true)]
    internal static partial int MLockAll(int flags);

    /// <summary>munlockall(2).</summary>
    [LibraryImport("libc", EntryPoint = "munlockall", SetLastError = true)]
    internal static partial int MUnlockAll();

    /// <summary>madvise(2).</summary>
    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    internal static partial int MAdvise(nint address, nuint length, int advice);

    /// <summary>malloc_trim(3) (glibc): returns free heap memory to the kernel; 1 when some was released.</summary>
    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    internal static partial int MallocTrim(nuint pad);
}
