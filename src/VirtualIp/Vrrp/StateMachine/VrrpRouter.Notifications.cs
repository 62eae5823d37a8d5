using System.Threading.Channels;
using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>One event to raise on the notification queue (exactly one member set).</summary>
internal readonly record struct VrrpNotification(
    VrrpStateChangedEventArgs? StateChanged = null,
    VirtualRouterActionFailedEventArgs? ActionFailed = null,
    RouterConflictEventArgs? Conflict = null,
    TaskCompletionSource? Barrier = null);

/// <summary>
/// The notification queue: <see cref="StateChanged"/>, <see cref="ActionFailed"/> and <see cref="ConflictDetected"/>
/// handlers run here, in order, off the election lock and off the action queue (a slow audit file or notify command
/// never delays binding or announcing). Every handler runs on its own: one that throws is logged and the others still run.
/// </summary>
internal sealed partial class VrrpRouter
{
    private Channel<VrrpNotification>? _notifications;

    private Task StartNotificationLoop()
    {
        var channel = Channel.CreateUnbounded<VrrpNotification>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        Volatile.Write(ref _notifications, channel);
        return Task.Run(() => RunNotificationsAsync(channel.Reader));
    }

    private void Notify(in VrrpNotification notification)
    {
        var channel = Volatile.Read(ref _notifications);
        if (channel is null || !channel.Writer.TryWrite(notification))
        {
            notification.Barrier?.TrySetResult();
            Log.ActionDropped(_logger, _name, _vrid, "notification");
        }
    }

    private void CompleteNotifications() => Volatile.Read(ref _notifications)?.Writer.TryComplete();

    private async Task RunNotificationsAsync(ChannelReader<VrrpNotification> reader)
    {
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var n))
            {
                if (n.StateChanged is { } changed)
                {
                    RaiseEach(StateChanged, changed, VirtualRouterAction.EventHandler);
                }
                else if (n.ActionFailed is { } failed)
                {
                    RaiseEach(ActionFailed, failed, action: null);
                }
                else if (n.Conflict is { } conflict)
                {
                    RaiseEach(ConflictDetected, conflict, VirtualRouterAction.EventHandler);
                }
                else
                {
                    n.Barrier?.TrySetResult();
                }
            }
        }
    }

    /// <summary>Invokes every subscriber separately, so one that throws does not skip the ones after it.</summary>
    private void RaiseEach<T>(EventHandler<T>? handler, T args, VirtualRouterAction? action)
    {
        if (handler is null)
        {
            return;
        }

        foreach (var d in handler.GetInvocationList())
        {
            try
            {
                ((EventHandler<T>)d).Invoke(this, args);
            }
#pragma warning disable CA1031 // A subscriber's bug must not stop the other subscribers or the router.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                if (action is { } what)
                {
                    Log.ActionFailed(_logger, _name, _vrid, what, null, ex);
                    RaiseEach(ActionFailed, new VirtualRouterActionFailedEventArgs(_name, _vrid, what, null, ex, _time.GetUtcNow()), action: null);
                }
                else
                {
                    Log.ActionFailedHandlerThrew(_logger, _name, _vrid, ex);
                }
            }
        }
    }
}
