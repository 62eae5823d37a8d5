using Microsoft.Extensions.Logging;

namespace VirtualIp.Linux.ProcessTuning;

internal sealed partial class ProcessTuningService
{
    [LoggerMessage(EventId = 1940, Level = LogLevel.Information, Message = "Real-time scheduling: SCHED_RR priority {Priority} set on {Threads} threads; threads created later inherit it")]
    private static partial void LogRealtime(ILogger logger, int priority, int threads);

    [LoggerMessage(EventId = 1941, Level = LogLevel.Information, Message = "Memory locked (mlockall MCL_CURRENT | MCL_FUTURE)")]
    private static partial void LogMemoryLocked(ILogger logger);

    [LoggerMessage(EventId = 1942, Level = LogLevel.Debug, Message = "Executable image paged out (quiet since the start or the last state change): {Kilobytes} KiB advised (MADV_PAGEOUT)")]
    private static partial void LogImagePagedOut(ILogger logger, long kilobytes);

    [LoggerMessage(EventId = 1943, Level = LogLevel.Warning, Message = "Real-time scheduling could not be applied to the process's new threads")]
    private static partial void LogRecheckFailed(ILogger logger, Exception exception);
}
