using System.Globalization;
using Microsoft.Extensions.Configuration;
using VirtualIp.Linux.ProcessTuning;

namespace VirtualIp.Failover;

/// <summary>
/// The host's process-level keys (<c>Failover:RealtimePriority</c>, <c>Failover:LockMemory</c>,
/// <c>Failover:TrimMemoryAfterStart</c>, <c>Failover:PageOutImage</c>; also as <c>--realtime-priority N</c>,
/// <c>--lock-memory</c> and <c>--page-out-image</c>)
/// read into <see cref="LinuxProcessOptions"/>: they belong to the daemon, not to one router.
/// </summary>
internal static class ProcessSettings
{
    public const string RealtimePriorityKey = "Failover:RealtimePriority";
    public const string LockMemoryKey = "Failover:LockMemory";
    public const string TrimMemoryKey = "Failover:TrimMemoryAfterStart";
    public const string PageOutImageKey = "Failover:PageOutImage";

    /// <summary>Reads the keys; false after writing one "error: KEY = VALUE ..." line per bad value.</summary>
    public static bool TryRead(IConfiguration configuration, TextWriter error, out int realtimePriority, out bool lockMemory, out bool trimMemory, out bool pageOutImage)
    {
        bool ok = true;
        realtimePriority = 0;
        lockMemory = false;
        trimMemory = true;
        pageOutImage = true; // the daemon's default: smallest resident size (docs/benchmarks.md, Footprint); LockMemory turns it off
        if (configuration[RealtimePriorityKey] is { } p
            && !(int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out realtimePriority) && realtimePriority <= LinuxProcessOptions.MaxRealtimePriority))
        {
            error.WriteLine($"error: {RealtimePriorityKey} = '{p}' is not a SCHED_RR priority 1..{LinuxProcessOptions.MaxRealtimePriority} (0 = off)");
            ok = false;
        }

        ok &= TryBool(configuration, LockMemoryKey, error, ref lockMemory);
        ok &= TryBool(configuration, TrimMemoryKey, error, ref trimMemory);
        if (realtimePriority > 0)
        {
            pageOutImage = false; // real-time timing asked for: no page is read back from disk in the middle of a takeover (unless set explicitly)
        }

        ok &= TryBool(configuration, PageOutImageKey, error, ref pageOutImage);
        return ok;
    }

    private static bool TryBool(IConfiguration configuration, string key, TextWriter error, ref bool value)
    {
        if (configuration[key] is not { } text)
        {
            return true;
        }

        if (bool.TryParse(text, out value))
        {
            return true;
        }

        error.WriteLine($"error: {key} = '{text}' is not true or false");
        return false;
    }
}
