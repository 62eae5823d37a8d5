using Microsoft.Extensions.Logging;

namespace VirtualIp.Health;

internal sealed partial class HealthMonitor
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Health check '{Check}' is up (was {OldState}): {Reason} after {Successes} consecutive successes.")]
    private static partial void LogCheckUp(ILogger logger, string check, HealthState oldState, string reason, int successes);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Health check '{Check}' is down (was {OldState}): {Reason} after {Failures} consecutive failures.")]
    private static partial void LogCheckDown(ILogger logger, string check, HealthState oldState, string reason, int failures);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Trace, Message = "Health check '{Check}' passed: {Reason} in {DurationMs} ms.")]
    private static partial void LogProbePassed(ILogger logger, string check, string reason, double durationMs);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Debug, Message = "Health check '{Check}' failed: {Reason} in {DurationMs} ms.")]
    private static partial void LogProbeFailed(ILogger logger, string check, string reason, double durationMs);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Error, Message = "A health event handler for check '{Check}' threw.")]
    private static partial void LogHandlerFailed(ILogger logger, string check, Exception exception);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Debug, Message = "Health check '{Check}' probe threw.")]
    private static partial void LogProbeThrew(ILogger logger, string check, Exception exception);
}
