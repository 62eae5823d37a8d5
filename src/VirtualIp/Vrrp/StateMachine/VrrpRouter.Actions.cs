using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using VirtualIp.Addressing;
using VirtualIp.Election;

namespace VirtualIp.Vrrp;

internal enum VrrpActionKind
{
    RaiseStateChanged,
    AddVips,
    RemoveVips,
    StartAnnouncing,
    StopAnnouncing,
    HandoverAdvert,
    Barrier,
}

/// <summary>A side effect of a transition, run in order by the router's action queue.</summary>
/// <remarks><see cref="Vips"/> is the VIP set at the time the action was queued (a reconfiguration replaces the router's array, never mutates it).</remarks>
internal readonly record struct VrrpAction(VrrpActionKind Kind, VrrpStateChangedEventArgs? Event = null, TaskCompletionSource? Barrier = null,
    VipAddress[]? Vips = null, long Generation = 0);

internal sealed partial class VrrpRouter
{
    /// <summary>
    /// The host's hook for transitions, called on the action queue before the VIPs of the transition are bound, so the
    /// event stream sees "state changed" before "VIP added". It must only queue work (it does in the hosted service).
    /// </summary>
    internal Action<VrrpStateChangedEventArgs>? TransitionObserver { get; set; }

    private void StartActionLoop()
    {
        var channel = Channel.CreateUnbounded<VrrpAction>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        var notifications = StartNotificationLoop();
        lock (_gate)
        {
            _actions = channel;
            _actionLoop = Task.Run(async () =>
            {
                await RunActionsAsync(channel.Reader).ConfigureAwait(false);
                await notifications.ConfigureAwait(false);
            });
        }
    }

    private void EnqueueLocked(in VrrpAction action)
    {
        var queued = action.Vips is null && action.Kind is VrrpActionKind.AddVips or VrrpActionKind.RemoveVips or VrrpActionKind.StartAnnouncing
            ? action with { Vips = _vips }
            : action;
        if (_actions is null || !_actions.Writer.TryWrite(queued))
        {
            Log.ActionDropped(_logger, _name, _vrid, action.Kind.ToString());
        }
    }

    private async Task RunActionsAsync(ChannelReader<VrrpAction> reader)
    {
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var action))
            {
                await ExecuteAsync(action).ConfigureAwait(false);
            }
        }

        lock (_gate)
        {
            if (_actions?.Reader == reader)
            {
                _actions = null;
            }
        }

        CompleteNotifications();
    }

#pragma warning disable CA1031 // Side effects must never crash the engine: every failure is logged and raised as ActionFailed.
    private async Task ExecuteAsync(VrrpAction action)
    {
        switch (action.Kind)
        {
            case VrrpActionKind.RaiseStateChanged:
                // The host's observer only queues (event stream, notify runner), so it runs here, in order with the
                // binding events; every other handler runs on the notification queue, never here.
                try
                {
                    TransitionObserver?.Invoke(action.Event!);
                }
                catch (Exception ex)
                {
                    Log.ActionFailed(_logger, _name, _vrid, VirtualRouterAction.EventHandler, null, ex);
                }

                Notify(new VrrpNotification(action.Event!));
                break;

            case VrrpActionKind.AddVips:
                // Only while still master: a backup whose receive loop was starved (CPU hog) let its down timer expire
                // with the live master's adverts still unread, went Master and back within a millisecond; binding the
                // VIP after that made two holders for ~20 ms (chaos seed 2026 #17, ours x3). The RemoveVips queued when
                // it left Master follows and finds nothing to remove; a bind already running when it leaves is undone by it.
                if (!IsMasterNow())
                {
                    break;
                }

                foreach (var vip in action.Vips!)
                {
                    try
                    {
                        await _binder.AddAsync(_interface, vip, s_bindOptions).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        Log.ActionFailed(_logger, _name, _vrid, VirtualRouterAction.AddVip, vip.ToString(), ex);
                        RaiseActionFailed(VirtualRouterAction.AddVip, vip.ToString(), ex);
                    }
                }

                break;

            case VrrpActionKind.RemoveVips:
                foreach (var vip in action.Vips!)
                {
                    try
                    {
                        await _binder.RemoveAsync(_interface, vip).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        Log.ActionFailed(_logger, _name, _vrid, VirtualRouterAction.RemoveVip, vip.ToString(), ex);
                        RaiseActionFailed(VirtualRouterAction.RemoveVip, vip.ToString(), ex);
                    }
                }

                break;

            case VrrpActionKind.StartAnnouncing:
                // Only while still master: when the router left Master while this transition's VIPs were being bound
                // (a backup thawed from SIGSTOP whose overdue down timer fired just before the queued advert of the
                // live master was read), announcing now would point the segment at a node that is about to drop the
                // VIP, and nobody would announce it back (the chaos harness, issue #15, seed 42 fault #3).
                if (_announcer is not null && IsMasterNow())
                {
                    try
                    {
                        _announcement?.Dispose();
                        _announcement = _announcer.Start(_interface, action.Vips!, _announceMac);
                    }
                    catch (Exception ex)
                    {
                        _announcement = null;
                        Log.ActionFailed(_logger, _name, _vrid, VirtualRouterAction.StartAnnouncing, _interface, ex);
                        RaiseActionFailed(VirtualRouterAction.StartAnnouncing, _interface, ex);
                    }
                }

                break;

            case VrrpActionKind.StopAnnouncing:
                try
                {
                    _announcement?.Dispose();
                }
                catch (Exception ex)
                {
                    Log.ActionFailed(_logger, _name, _vrid, VirtualRouterAction.StopAnnouncing, _interface, ex);
                    RaiseActionFailed(VirtualRouterAction.StopAnnouncing, _interface, ex);
                }
                finally
                {
                    _announcement = null;
                }

                break;

            case VrrpActionKind.HandoverAdvert:
                ScheduleHandoverAdvert(action.Generation);
                break;

            case VrrpActionKind.Barrier:
                // Idle = the actions so far have run and so have the notifications they raised.
                Notify(new VrrpNotification(Barrier: action.Barrier));
                break;
        }
    }

    private bool IsMasterNow()
    {
        lock (_gate)
        {
            return _running && _state == VrrpState.Master;
        }
    }

    private void RaiseActionFailed(VirtualRouterAction what, string? target, Exception exception) =>
        Notify(new VrrpNotification(ActionFailed: new VirtualRouterActionFailedEventArgs(_name, _vrid, what, target, exception, _time.GetUtcNow())));
#pragma warning restore CA1031
}
