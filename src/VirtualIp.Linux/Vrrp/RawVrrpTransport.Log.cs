using System.Net;
using Microsoft.Extensions.Logging;
using VirtualIp.Frames;

namespace VirtualIp.Linux.Vrrp;

internal sealed partial class RawVrrpTransport
{
    [LoggerMessage(1921, LogLevel.Information, "VRRP {Family} transport started on {Interface}: source {Source}, {DestinationCount} destination(s)")]
    private static partial void LogStarted(ILogger logger, string family, string @interface, IPAddress source, int destinationCount);

    [LoggerMessage(1922, LogLevel.Warning, "VRRP send to {Destination} on {Interface} failed (errno {Errno}): {Message}")]
    private static partial void LogSendFailed(ILogger logger, IPAddress destination, string @interface, int errno, string message);

    [LoggerMessage(1923, LogLevel.Warning, "VRRP receive on {Interface} failed (error {Error}): {Message}")]
    private static partial void LogReceiveFailed(ILogger logger, string @interface, int error, string message);

    [LoggerMessage(1924, LogLevel.Error, "VRRP packet handler on {Interface} threw")]
    private static partial void LogHandlerFailed(ILogger logger, string @interface, Exception exception);

    [LoggerMessage(1926, LogLevel.Error, "VRRP receive loop on {Interface} failed; restarting it after a back-off")]
    private static partial void LogReceiveLoopFailed(ILogger logger, string @interface, Exception exception);

    [LoggerMessage(1927, LogLevel.Warning, "VRRP kernel filter on {Interface} could not be attached (errno {Errno}): {Message}; every packet is checked by the engine")]
    private static partial void LogFilterFailed(ILogger logger, string @interface, int errno, string message);

    [LoggerMessage(1925, LogLevel.Debug, "VRRP datagram on {Interface} dropped: {Reason} ({Header})")]
    private static partial void LogDropped(ILogger logger, string @interface, ReceiveDropReason reason, FrameRejectReason header);
}
