using Microsoft.Extensions.Logging;

namespace VirtualIp.Linux.Netlink;

internal sealed partial class NetlinkAddressWatcher
{
    private static partial class Log
    {
        [LoggerMessage(1911, LogLevel.Warning, "Netlink event socket overflowed (ENOBUFS); events were lost, re-listing. Receive buffer raised to {Size} bytes.")]
        public static partial void Overflow(ILogger logger, int size);

        [LoggerMessage(1912, LogLevel.Error, "An AddressChanged handler threw; the watcher keeps running.")]
        public static partial void HandlerFailed(ILogger logger, Exception exception);

        [LoggerMessage(1913, LogLevel.Error, "The netlink watcher failed; it restarts after a back-off and resyncs.")]
        public static partial void LoopFailed(ILogger logger, Exception exception);

        [LoggerMessage(1914, LogLevel.Warning, "A malformed netlink datagram of {Length} bytes was ignored ({Reason}).")]
        public static partial void Malformed(ILogger logger, int length, NetlinkReadError reason);
    }
}
