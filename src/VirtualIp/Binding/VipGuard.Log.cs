using Microsoft.Extensions.Logging;
using VirtualIp.Addressing;

namespace VirtualIp.Binding;

internal sealed partial class VipGuard
{
    private static partial class Log
    {
        [LoggerMessage(1301, LogLevel.Warning, "VIP {Vip} was deleted from '{Interface}' by someone else.")]
        public static partial void Deleted(ILogger logger, VipAddress vip, string @interface);

        [LoggerMessage(1302, LogLevel.Information, "VIP {Vip} was put back on '{Interface}'.")]
        public static partial void Restored(ILogger logger, VipAddress vip, string @interface);

        [LoggerMessage(1303, LogLevel.Error, "Putting VIP {Vip} back on '{Interface}' failed.")]
        public static partial void RestoreFailed(ILogger logger, VipAddress vip, string @interface, Exception exception);

        [LoggerMessage(1304, LogLevel.Error, "An event handler of the VIP guard threw.")]
        public static partial void HandlerFailed(ILogger logger, Exception exception);
    }
}
