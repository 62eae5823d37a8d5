using Microsoft.Extensions.Logging;
using VirtualIp.Election;

namespace VirtualIp.Vrrp;

internal sealed partial class VrrpRouter
{
    /// <summary>The engine's log messages (EventIds 1101–1115), shared by the router's parts.</summary>
    internal static partial class Log
    {
        [LoggerMessage(1101, LogLevel.Information, "VRRP {Router} (VRID {Vrid}): {OldState} -> {NewState} ({Reason}) {Detail}")]
        public static partial void StateChanged(ILogger logger, string router, byte vrid, VrrpState oldState, VrrpState newState, VrrpTransitionReason reason, string? detail);

        [LoggerMessage(1102, LogLevel.Trace, "VRRP {Router} (VRID {Vrid}): dropped a packet: {Reason}")]
        public static partial void PacketRejected(ILogger logger, string router, byte vrid, VrrpRejectReason reason);

        [LoggerMessage(1103, LogLevel.Warning, "VRRP {Router} (VRID {Vrid}): an advert lists {Received} addresses that differ from the {Configured} configured VIPs; accepted (check the configuration on every node)")]
        public static partial void AddressListMismatch(ILogger logger, string router, byte vrid, int received, int configured);

        [LoggerMessage(1104, LogLevel.Warning, "VRRP {Router} (VRID {Vrid}): advert interval {ReceivedMs} ms differs from the configured {ConfiguredMs} ms (VRRPv2 discards it: {Discarded})")]
        public static partial void IntervalMismatch(ILogger logger, string router, byte vrid, int configuredMs, int receivedMs, bool discarded);

        [LoggerMessage(1105, LogLevel.Error, "VRRP {Router} (VRID {Vrid}): sending an advert to destination #{Destination} failed")]
        public static partial void SendFailed(ILogger logger, string router, byte vrid, int destination, Exception exception);

        [LoggerMessage(1106, LogLevel.Error, "VRRP {Router} (VRID {Vrid}): {Action} {Target} failed")]
        public static partial void ActionFailed(ILogger logger, string router, byte vrid, VirtualRouterAction action, string? target, Exception exception);

        [LoggerMessage(1107, LogLevel.Information, "VRRP {Router} (VRID {Vrid}): effective priority is now {Priority} ({Reason})")]
        public static partial void PriorityChanged(ILogger logger, string router, byte vrid, int priority, string reason);

        [LoggerMessage(1108, LogLevel.Debug, "VRRP {Router} (VRID {Vrid}): lower-priority master ({Priority}) seen; preempt delay started")]
        public static partial void PreemptDelayStarted(ILogger logger, string router, byte vrid, byte priority);

        [LoggerMessage(1109, LogLevel.Debug, "VRRP {Router} (VRID {Vrid}): master down, waiting for the other members of sync group {Group}")]
        public static partial void SyncGroupWaiting(ILogger logger, string router, byte vrid, string group);

        [LoggerMessage(1110, LogLevel.Warning, "VRRP {Router} (VRID {Vrid}): side effect {Action} dropped because the router is stopped")]
        public static partial void ActionDropped(ILogger logger, string router, byte vrid, string action);

        [LoggerMessage(1112, LogLevel.Warning, "VRRP {Router} (VRID {Vrid}): dropped a packet: {Reason} (further ones are summarised once a minute)")]
        public static partial void PacketsRejected(ILogger logger, string router, byte vrid, string reason);

        [LoggerMessage(1113, LogLevel.Warning, "VRRP {Router} (VRID {Vrid}): {Count} more packets with {Reason} in the last minute")]
        public static partial void RejectSummary(ILogger logger, string router, byte vrid, long count, string reason);

        [LoggerMessage(1114, LogLevel.Warning, "VRRP {Router} (VRID {Vrid}): router conflict: {Source} advertises priority {Priority} for our VRID ({Kind}) while we are {State}")]
        public static partial void RouterConflict(ILogger logger, string router, byte vrid, System.Net.IPAddress source, byte priority, RouterConflictKind kind, VrrpState state);

        [LoggerMessage(1115, LogLevel.Warning, "VRRP {Router} (VRID {Vrid}): Master_Down_Timer expired with received packets still queued (receive loop behind its timer, e.g. CPU starvation): takeover held until they are read, at most {BudgetMs} ms")]
        public static partial void TakeoverHeldForQueuedAdverts(ILogger logger, string router, byte vrid, int budgetMs);

        [LoggerMessage(1111, LogLevel.Error, "VRRP {Router} (VRID {Vrid}): an ActionFailed handler threw")]
        public static partial void ActionFailedHandlerThrew(ILogger logger, string router, byte vrid, Exception exception);
    }
}
