using System.Net;
using Microsoft.Extensions.Logging;
using VirtualIp.Binding;

namespace VirtualIp.Windows.Watching;

internal sealed partial class WindowsAddressWatcher
{
    /// <summary>EventIds 1700-1799.</summary>
    private static partial class Log
    {
        [LoggerMessage(1700, LogLevel.Debug, "Watching address and interface changes through IP Helper notifications ({Links} interfaces).")]
        public static partial void Started(ILogger logger, int links);

        [LoggerMessage(1701, LogLevel.Debug, "{Kind} on interface '{Interface}' (index {Index}) {Address}.")]
        public static partial void Change(ILogger logger, AddressChangeKind kind, string? @interface, int index, IPAddress? address);

        [LoggerMessage(1702, LogLevel.Error, "An AddressChanged handler threw; the watcher keeps running.")]
        public static partial void HandlerFailed(ILogger logger, Exception exception);
    }
}
