using Microsoft.Extensions.Logging;

namespace VirtualIp.Failover.Control;

internal sealed partial class ControlSocketServer
{
    [LoggerMessage(EventId = 1550, Level = LogLevel.Warning, Message = "control: {By} ran {Command} on {Router} ({Reason}); now {State}")]
    private static partial void LogAction(ILogger logger, string by, string command, string router, string reason, string state);

    [LoggerMessage(EventId = 1551, Level = LogLevel.Warning, Message = "control: {By} was refused {Command}: {Error}")]
    private static partial void LogRefused(ILogger logger, string by, string command, string error);

    [LoggerMessage(EventId = 1552, Level = LogLevel.Information, Message = "control socket listening on {Path} (mode 0600)")]
    private static partial void LogListening(ILogger logger, string path);
}
