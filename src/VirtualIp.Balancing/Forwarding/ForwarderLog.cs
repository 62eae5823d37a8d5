using System.Net;
using Microsoft.Extensions.Logging;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>Source-generated log messages of the forwarders.</summary>
internal static partial class ForwarderLog
{
    [LoggerMessage(2101, LogLevel.Information, "Forwarder {Name} ({Protocol}) listening on {EndPoint} with {Count} backends, scheduler {Scheduler}")]
    public static partial void Listening(ILogger logger, string name, ForwarderProtocol protocol, EndPoint endPoint, int count, string scheduler);

    [LoggerMessage(2102, LogLevel.Information, "Forwarder {Name} stopping; draining {Active} connections for up to {Timeout}")]
    public static partial void Stopping(ILogger logger, string name, int active, TimeSpan timeout);

    [LoggerMessage(2103, LogLevel.Warning, "Forwarder {Name}: closed {Count} connections still open after the drain timeout")]
    public static partial void DrainTimedOut(ILogger logger, string name, int count);

    [LoggerMessage(2104, LogLevel.Debug, "Source {Address} denied by the ACL")]
    public static partial void Denied(ILogger logger, IPAddress address);

    [LoggerMessage(2105, LogLevel.Warning, "Connection limit {Limit} reached; closing a new client")]
    public static partial void LimitReached(ILogger logger, int limit);

    [LoggerMessage(2106, LogLevel.Warning, "Connecting to backend {Backend} failed: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string backend, string reason);

    [LoggerMessage(2107, LogLevel.Warning, "No backend reachable for client {Client}")]
    public static partial void NoBackend(ILogger logger, EndPoint? client);

    [LoggerMessage(2108, LogLevel.Warning, "Backend {Backend} marked down after {Failures} failures within {Window}; retried in {Reactivation}")]
    public static partial void BackendDown(ILogger logger, string backend, int failures, TimeSpan window, TimeSpan reactivation);

    [LoggerMessage(2109, LogLevel.Information, "Backend {Backend} reactivated")]
    public static partial void BackendReactivated(ILogger logger, string backend);

    [LoggerMessage(2110, LogLevel.Information, "Draining backend {Backend}: {Active} connections in flight")]
    public static partial void DrainingBackend(ILogger logger, string backend, int active);

    [LoggerMessage(2111, LogLevel.Error, "Accept loop of forwarder {Name} failed")]
    public static partial void AcceptFailed(ILogger logger, string name, Exception exception);

    [LoggerMessage(2112, LogLevel.Warning, "Backend {Backend} down ({Signal} health: {Reason})")]
    public static partial void BackendCheckDown(ILogger logger, string backend, HealthSignal signal, string reason);

    [LoggerMessage(2113, LogLevel.Information, "Backend {Backend} up ({Signal} health: {Reason})")]
    public static partial void BackendUp(ILogger logger, string backend, HealthSignal signal, string reason);
}
