using Microsoft.Extensions.Logging;
using VirtualIp.Election;

namespace VirtualIp.Failover.Systemd;

internal sealed partial class FirstStateGate
{
    [LoggerMessage(EventId = 1570, Level = LogLevel.Information, Message = "first state of {Count} router(s) known after {Ms:0} ms: {States}; ready")]
    private static partial void LogKnown(ILogger logger, int count, double ms, string states);

    [LoggerMessage(EventId = 1571, Level = LogLevel.Warning, Message = "router {Router} is still {State} after {Seconds} s; reporting ready anyway")]
    private static partial void LogGaveUp(ILogger logger, string router, VrrpState state, double seconds);
}
