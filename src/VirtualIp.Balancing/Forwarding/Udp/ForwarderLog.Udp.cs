using Microsoft.Extensions.Logging;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>Log messages of the UDP forwarder's abuse limits and supervision (event ids 2140–2149).</summary>
internal static partial class ForwarderLog
{
    [LoggerMessage(2140, LogLevel.Error, "UDP receive loop of forwarder {Name} failed; restarting in {Backoff}")]
    public static partial void UdpReceiveLoopFailed(ILogger logger, string name, TimeSpan backoff, Exception exception);

    [LoggerMessage(2141, LogLevel.Error, "UDP reply loop of forwarder {Name} failed for backend {Backend}; the session ended")]
    public static partial void UdpReplyLoopFailed(ILogger logger, string name, string backend, Exception exception);

    [LoggerMessage(2142, LogLevel.Warning, "Forwarder {Name}: new UDP session from {Source} refused ({Reason}); {Suppressed} more refusals of this reason since the last message")]
    public static partial void UdpSessionRefused(ILogger logger, string name, string reason, UdpSourceKey source, long suppressed);
}
