using Microsoft.Extensions.Logging;

namespace VirtualIp.Vrrp;

internal sealed partial class VrrpRouter
{
    /// <summary>Runtime control messages (EventIds 1500–1519).</summary>
    private static partial class ControlLog
    {
        [LoggerMessage(1500, LogLevel.Warning, "VRRP {Router} (VRID {Vrid}): resigned by {By} ({Reason}), {Until}")]
        public static partial void Resigned(ILogger logger, string router, byte vrid, string by, string reason, string until);

        [LoggerMessage(1501, LogLevel.Warning, "VRRP {Router} (VRID {Vrid}): resign ended by {By}; taking part in elections again")]
        public static partial void Resumed(ILogger logger, string router, byte vrid, string by);

        [LoggerMessage(1502, LogLevel.Warning, "VRRP {Router} (VRID {Vrid}): maintenance on by {By} ({Reason}): never master until it is turned off")]
        public static partial void MaintenanceOn(ILogger logger, string router, byte vrid, string by, string reason);

        [LoggerMessage(1503, LogLevel.Warning, "VRRP {Router} (VRID {Vrid}): maintenance off by {By} ({Reason})")]
        public static partial void MaintenanceOff(ILogger logger, string router, byte vrid, string by, string reason);

        [LoggerMessage(1504, LogLevel.Warning, "VRRP {Router} (VRID {Vrid}): forced takeover by {By} ({Reason})")]
        public static partial void Takeover(ILogger logger, string router, byte vrid, string by, string reason);
    }
}
