using Microsoft.Extensions.Logging;

namespace VirtualIp.Linux.Netlink;

internal sealed partial class NetlinkVipBinder
{
    private static partial class Log
    {
        [LoggerMessage(1901, LogLevel.Warning,
            "Crash cleanup cannot find leftovers on '{Interface}': Linux {Kernel} is older than 5.18 and ignores the IFA_PROTO ownership mark, " +
            "so a VIP a killed VirtualIp left behind looks like any other address and is not removed (remove it by hand: ip addr del ADDR/PREFIX dev IF).")]
        public static partial void CleanupUnavailable(ILogger logger, Version kernel, string @interface);

        [LoggerMessage(1902, LogLevel.Warning,
            "Linux {Kernel} did not keep the IFA_PROTO ownership mark on {Vip} ({Interface}; the mark needs Linux 5.18 or later): addresses are added unmarked " +
            "and crash cleanup (RemoveStaleAddressesOnStart) cannot remove what a killed VirtualIp leaves behind.")]
        public static partial void MarkDropped(ILogger logger, Version kernel, string vip, string @interface);
    }
}
