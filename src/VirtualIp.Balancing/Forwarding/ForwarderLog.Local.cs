using Microsoft.Extensions.Logging;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>Log messages of the local-error classification (<see cref="SocketErrorClassifier"/>, <see cref="PassiveHealth"/>).</summary>
internal static partial class ForwarderLog
{
    [LoggerMessage(2120, LogLevel.Warning, "Local resource error {Error} while forwarding to backend {Backend}: not counted against the backend (raise the file-handle limit, free ports or memory)")]
    public static partial void LocalError(ILogger logger, string backend, System.Net.Sockets.SocketError error);
}
