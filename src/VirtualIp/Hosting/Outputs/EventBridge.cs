using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Diagnostics;
using VirtualIp.Election;
using VirtualIp.Events;
using VirtualIp.Health;
using VirtualIp.Vrrp;

namespace VirtualIp.Hosting;

/// <summary>
/// Translates what the routers and the health monitor report into <see cref="VirtualIpEvent"/>s and fans each one out to
/// its outputs: conflict detection, metrics, the log, the event stream (user handlers and the audit trail) and the notify
/// commands. Every output runs on its own: one that throws is logged (naming it) and the others still run.
/// </summary>
internal sealed partial class EventBridge(VirtualIpEventStream events, VirtualIpMetrics metrics, NotifyDispatcher notify, ConflictDetection conflicts,
    IHealthMonitor health, TimeProvider time, ILoggerFactory? loggerFactory = null)
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("VirtualIp");

    /// <summary>Starts translating health changes and reporting event-handler failures.</summary>
    public void Start()
    {
        health.HealthChanged -= OnHealthChanged;
        health.HealthChanged += OnHealthChanged;
        events.HandlerFailed -= OnHandlerFailed;
        events.HandlerFailed += OnHandlerFailed;
    }

    public void Stop()
    {
        health.HealthChanged -= OnHealthChanged;
        events.HandlerFailed -= OnHandlerFailed;
    }

    /// <summary>Connects a router's transitions, conflicts and failed actions.</summary>
    public void Attach(VrrpRouter router)
    {
        metrics.Track(router);
        router.TransitionObserver = e => OnTransition(router, e);
        router.ConflictDetected += OnConflict;
        router.ActionFailed += OnActionFailed;
    }

    /// <summary>Disconnects a router (removed by a reload).</summary>
    public void Detach(VrrpRouter router)
    {
        router.TransitionObserver = null;
        router.ConflictDetected -= OnConflict;
        router.ActionFailed -= OnActionFailed;
        metrics.Untrack(router);
    }

    /// <summary>Publishes a tracking change of a router's effective priority.</summary>
    public void PriorityChanged(string router, int priority, bool fault, string reason) =>
        Isolated("events", () => events.Publish(new PriorityChangedEvent(time.GetUtcNow(), router, priority, fault, reason)));

    private void OnTransition(VrrpRouter router, VrrpStateChangedEventArgs e)
    {
        Isolated("conflict detection", () => conflicts.OnTransition(router, e));
        Isolated("metrics", () =>
        {
            metrics.Transition(e);
            if (e.NewState == VrrpState.Master && router.LastTakeoverDuration is { } took
                && e.Reason is VrrpTransitionReason.MasterDownTimer or VrrpTransitionReason.PriorityZeroReceived or VrrpTransitionReason.Preempted)
            {
                metrics.Takeover(e.RouterName, took);
            }
        });
        Isolated("log", () => LogTransition(_logger, e.RouterName, e.VirtualRouterId, e.OldState, e.NewState, e.Reason, e.Priority, e.MasterAddress));
        Isolated("events", () => events.Publish(new RouterStateChangedEvent(e.Timestamp, e.RouterName, e.VirtualRouterId, e.OldState, e.NewState, e.Reason,
            e.Priority, e.MasterAddress, e.Detail)));
        Isolated("notify", () => notify.Enqueue(e));
    }

    private void OnConflict(object? sender, RouterConflictEventArgs e)
    {
        Isolated("metrics", () => metrics.RouterConflict(e.RouterName));
        Isolated("events", () => events.Publish(new RouterConflictEvent(e.Timestamp, e.RouterName, e.VirtualRouterId, e.Source, e.AdvertisedPriority, e.Kind, e.State)));
    }

    private void OnActionFailed(object? sender, VirtualRouterActionFailedEventArgs e) =>
        Isolated("events", () => events.Publish(new ActionFailedEvent(e.Timestamp, e.RouterName, e.Action, e.Target, e.Exception.Message)));

    private void OnHealthChanged(object? sender, HealthChangedEventArgs e) =>
        Isolated("events", () => events.Publish(new HealthChangedEvent(time.GetUtcNow(), e.CheckName, e.OldState, e.NewState, e.LastResult.Reason)));

    private void OnHandlerFailed(Exception ex) => LogEventHandlerFailed(_logger, ex);

#pragma warning disable CA1031 // an output's failure must not keep the other outputs from running
    private void Isolated(string output, Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            LogOutputFailed(_logger, output, ex);
        }
    }
#pragma warning restore CA1031

    [LoggerMessage(EventId = 1030, Level = LogLevel.Information, Message = "{Router} (VRID {Vrid}): {Old} -> {New} ({Reason}), priority {Priority}, master {Master}")]
    private static partial void LogTransition(ILogger logger, string router, byte vrid, VrrpState old, VrrpState @new, VrrpTransitionReason reason, int priority, System.Net.IPAddress? master);

    [LoggerMessage(EventId = 1031, Level = LogLevel.Error, Message = "A VirtualIp event handler threw; the other handlers still ran")]
    private static partial void LogEventHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1032, Level = LogLevel.Error, Message = "The {Output} output of a VirtualIp event threw; the other outputs still ran")]
    private static partial void LogOutputFailed(ILogger logger, string output, Exception exception);
}
