using System.Net;
using Microsoft.Extensions.Logging;

namespace VirtualIp.Linux.Vrrp;

internal sealed partial class RawVrrpTransport
{
    [LoggerMessage(1, LogLevel.Information, "VRRP {Family} transport started on {Interface}: source {Source}, {DestinationCount} destination(s)")]
    private static partial void LogStarted(ILogger logger, string family, string @interface, IPAddress source, int destinationCount);

    [LoggerMessage(2, LogLevel.Warning, "VRRP send to {Destination} on {Interface} failed (errno {Errno}): {Message}")]
    private static partial void LogSendFailed(ILogger logger, IPAddress destination, string @interface, int errno, string message);

    [LoggerMessage(3, LogLevel.Warning, "VRRP receive on {Interface} failed (error {Error}): {Message}")]
    private static partial void LogReceiveFailed(ILogger logger, string @interface, int error, string message);

    [LoggerMessage(4, LogLevel.Error, "VRRP packet handler on {Interface} threw")]
    private static partial void LogHandlerFailed(ILogger logger, string @interface, Exception exception);

    [LoggerMessage(6, LogLevel.Critical, "VRRP receive loop on {Interface} stopped; no adverts will be received")]
    private static partial void LogReceiveLoopFailed(ILogger logger, string @interface, Exception exception);

    [LoggerMessage(5, LogLevel.Debug, "VRRP datagram on {Interface} dropped: {Reason}")]
    private static partial void LogDropped(ILogger logger, string @interface, ReceiveDropReason reason);
}
