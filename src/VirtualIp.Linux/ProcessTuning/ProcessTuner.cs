using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using VirtualIp.Linux.Interop;

namespace VirtualIp.Linux.ProcessTuning;

/// <summary>The system calls behind <see cref="LinuxProcessOptions"/>; each refusal becomes a <see cref="LinuxProcessException"/>.</summary>
internal static class ProcessTuner
{
    /// <summary>
    /// Puts every thread of process <paramref name="pid"/> (0 = this process) under SCHED_RR at <paramref name="priority"/>
    /// and returns how many threads it set. Linux schedules threads, not processes, so each task in /proc/PID/task is
    /// set; threads they create later inherit the policy. Passes repeat until one finds no thread it has not set
    /// (a thread started during the walk is caught by the next pass).
    /// </summary>
    public static int SetRealtime(int pid, int priority)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(priority, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, LinuxProcessOptions.MaxRealtimePriority);
        string tasks = pid == 0 ? "/proc/self/task" : $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task";
        var done = new HashSet<int>();
        var param = new LibC.SchedParam { Priority = priority };
        for (int pass = 0; pass < 10; pass++)
        {
            bool found = false;
            foreach (int tid in Threads(tasks, pid))
            {
                if (!done.Add(tid))
                {
                    continue;
                }

                found = true;
                if (LibC.SchedSetScheduler(tid, LibC.SCHED_RR, in param) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.ESRCH)
                    {
                        done.Remove(tid); // ended during the walk
                        continue;
                    }

                    throw new LinuxProcessException($"sched_setscheduler(SCHED_RR, priority {priority}) for thread {tid} was refused", errno, RealtimeHint(errno));
                }
            }

            if (!found)
            {
                break;
            }
        }

        return done.Count;
    }

    /// <summary>The scheduling policy of thread <paramref name="tid"/> (<see cref="LibC.SCHED_RR"/> = 2), or -1 with errno.</summary>
    public static int Policy(int tid) => LibC.SchedGetScheduler(tid);

    /// <summary><c>mlockall(MCL_CURRENT | MCL_FUTURE)</c>.</summary>
    public static void LockMemory()
    {
        if (LibC.MLockAll(LibC.MCL_CURRENT | LibC.MCL_FUTURE) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new LinuxProcessException("mlockall(MCL_CURRENT | MCL_FUTURE) was refused", errno, errno switch
            {
                Errno.EPERM => "needs CAP_IPC_LOCK (run as root or add it to the unit's AmbientCapabilities)",
                Errno.ENOMEM => "RLIMIT_MEMLOCK is too small: needs CAP_IPC_LOCK or LimitMEMLOCK=infinity in the unit",
                _ => null,
            });
        }
    }

    /// <summary>
    /// A compacting collection that decommits what it frees, then glibc's <c>malloc_trim(0)</c>. True when malloc_trim
    /// released something; false also where it does not exist (musl).
    /// </summary>
    public static bool TrimMemory()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        try
        {
            return LibC.MallocTrim(0) == 1;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// <c>madvise(MADV_PAGEOUT)</c> over the executable's own file mappings (Linux 5.4+): the pages only start-up used
    /// leave memory; those the steady state uses come back on first touch (from the page cache or the disk). Pages
    /// another process maps too, and locked pages, stay. Returns the bytes advised, 0 where the kernel or the layout
    /// does not allow it.
    /// </summary>
    public static long PageOutImage()
    {
        string? exe = Environment.ProcessPath;
        if (exe is null)
        {
            return 0;
        }

        long advised = 0;
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            // "start-end perms offset dev inode path"
            int dash = line.IndexOf('-', StringComparison.Ordinal);
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            int slash = line.IndexOf('/', StringComparison.Ordinal);
            if (dash <= 0 || space <= dash || slash < 0 || !line.AsSpan(slash).TrimEnd().SequenceEqual(exe)
                || !ulong.TryParse(line.AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong start)
                || !ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong end))
            {
                continue;
            }

            if (LibC.MAdvise((nint)start, (nuint)(end - start), LibC.MADV_PAGEOUT) == 0)
            {
                advised += (long)(end - start);
            }
        }

        return advised;
    }

    private static IEnumerable<int> Threads(string tasks, int pid)
    {
        string[] entries;
        try
        {
            entries = Directory.GetDirectories(tasks);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new LinuxProcessException($"no process {pid}: {tasks} does not exist", Errno.ESRCH, null, ex);
        }

        foreach (string entry in entries)
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int tid))
            {
                yield return tid;
            }
        }
    }

    private static string? RealtimeHint(int errno) => errno switch
    {
        Errno.EPERM => "needs CAP_SYS_NICE (run as root or add it to the unit's AmbientCapabilities) or LimitRTPRIO at least the priority; "
            + "a cgroup with the cpu controller and no real-time budget refuses it too",
        Errno.EINVAL => "the priority must be 1..99",
        _ => null,
    };
}
