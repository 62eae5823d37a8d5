using Microsoft.Extensions.Logging;

namespace VirtualIp.Failover.Control;

internal static partial class RuntimeControlHosting
{
    [LoggerMessage(EventId = 1560, Level = LogLevel.Warning, Message = "SIGHUP: configuration reloaded")]
    private static partial void LogReloaded(ILogger logger);
}
