using System.Net;
using Microsoft.Extensions.Logging;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>Source-generated log messages of the TCP forwarder's connection path (event ids 2150–2159).</summary>
internal static partial class TcpForwarderLog
{
    [LoggerMessage(2150, LogLevel.Error, "Accept loop {Loop} of forwarder {Name} failed (restart {Restarts}); restarting in {Delay}")]
    public static partial void AcceptLoopRestarting(ILogger logger, string name, int loop, long restarts, TimeSpan delay, Exception exception);

    [LoggerMessage(2151, LogLevel.Warning, "Forwarder {Name}: local resources exhausted connecting to {Backend} ({Error}); client closed, backend not blamed")]
    public static partial void LocalResources(ILogger logger, string name, string backend, string error);

    [LoggerMessage(2152, LogLevel.Debug, "Forwarder {Name}: client {Client} refused ({Reason})")]
    public static partial void Refused(ILogger logger, string name, IPAddress client, string reason);

    [LoggerMessage(2153, LogLevel.Debug, "Forwarder {Name}: connection from {Client} closed by the {Reason} timeout")]
    public static partial void TimedOut(ILogger logger, string name, IPAddress client, string reason);

    [LoggerMessage(2154, LogLevel.Error, "Forwarder {Name}: connection handler failed unexpectedly")]
    public static partial void HandlerFailed(ILogger logger, string name, Exception exception);
}
