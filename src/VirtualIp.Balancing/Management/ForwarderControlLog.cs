using System.Net;
using Microsoft.Extensions.Logging;

namespace VirtualIp.Balancing.Management;

/// <summary>Source-generated log messages of runtime management and reload of forwarders (event ids 2140–2159).</summary>
internal static partial class ForwarderControlLog
{
    [LoggerMessage(2160, LogLevel.Information, "Forwarder {Name}: backend {Backend} ({EndPoint}) added with weight {Weight}")]
    public static partial void Added(ILogger logger, string name, string backend, EndPoint endPoint, int weight);

    [LoggerMessage(2161, LogLevel.Information, "Forwarder {Name}: weight of backend {Backend} changed from {Old} to {New}")]
    public static partial void WeightChanged(ILogger logger, string name, string backend, int old, int @new);

    [LoggerMessage(2162, LogLevel.Information, "Forwarder {Name}: backend {Backend} removed from the set; draining {Active} connections")]
    public static partial void Removed(ILogger logger, string name, string backend, int active);

    [LoggerMessage(2163, LogLevel.Information, "Forwarder {Name}: drain of backend {Backend} finished (all ended on their own: {Clean})")]
    public static partial void Drained(ILogger logger, string name, string backend, bool clean);

    [LoggerMessage(2164, LogLevel.Information, "Forwarder {Name}: backend {Backend} resumed (takes new connections)")]
    public static partial void Resumed(ILogger logger, string name, string backend);

    [LoggerMessage(2165, LogLevel.Error, "Forwarder {Name}: configuration reload rejected, the running backends are kept: {Error}")]
    public static partial void ReloadRejected(ILogger logger, string name, string error);

    [LoggerMessage(2166, LogLevel.Information, "Forwarder {Name}: configuration reload applied ({Added} added, {Removed} removed, {Changed} weights changed)")]
    public static partial void ReloadApplied(ILogger logger, string name, int added, int removed, int changed);

    [LoggerMessage(2167, LogLevel.Warning, "Forwarder {Name}: configuration key {Key} changed; it applies only after a restart (not applied)")]
    public static partial void ReloadNeedsRestart(ILogger logger, string name, string key);

    [LoggerMessage(2168, LogLevel.Error, "Forwarder {Name}: configuration reload failed part-way; what was applied stays applied")]
    public static partial void ReloadFailed(ILogger logger, string name, Exception exception);
}
