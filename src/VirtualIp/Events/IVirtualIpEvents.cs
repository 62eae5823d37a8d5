using System.Threading.Channels;

namespace VirtualIp.Events;

/// <summary>The typed stream of everything VirtualIp does: transitions with reasons, VIPs added and removed, health changes.</summary>
public interface IVirtualIpEvents
{
    /// <summary>
    /// Raised for every event, in order, on the stream's own dispatcher (never on the engine's threads). Each handler
    /// runs on its own: one that throws is logged and does not keep the others from running.
    /// </summary>
    event EventHandler<VirtualIpEvent>? Published;

    /// <summary>
    /// A reader that receives every event published after this call (bounded at 1,024 pending; the oldest are
    /// dropped if the reader falls behind). Complete it by cancelling <paramref name="cancellationToken"/>.
    /// </summary>
    ChannelReader<VirtualIpEvent> Subscribe(CancellationToken cancellationToken = default);
}

/// <summary>
/// The event stream. <see cref="Publish"/> only queues: one dispatcher delivers every event, in publish order, to the
/// subscribers and to each <see cref="Published"/> handler on its own (one that throws is reported and does not skip
/// the others). The engine publishes from its action queue and timers, so no handler (audit file, notify, application
/// code) can delay an election, a bind or an announcement.
/// </summary>
internal sealed class VirtualIpEventStream : IVirtualIpEvents
{
    private readonly Lock _gate = new();
    private readonly Channel<(VirtualIpEvent? Event, TaskCompletionSource? Flushed)> _queue =
        Channel.CreateUnbounded<(VirtualIpEvent?, TaskCompletionSource?)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _dispatcher;
    private Channel<VirtualIpEvent>[] _subscribers = [];

    public VirtualIpEventStream()
    {
        _dispatcher = Task.Run(DispatchAsync);
    }

    public event EventHandler<VirtualIpEvent>? Published;

    /// <summary>A handler of <see cref="Published"/> threw; the other handlers still ran.</summary>
    public event Action<Exception>? HandlerFailed;

    public ChannelReader<VirtualIpEvent> Subscribe(CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<VirtualIpEvent>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = false });
        lock (_gate)
        {
            _subscribers = [.. _subscribers, channel];
        }

        cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                _subscribers = [.. _subscribers.Where(c => c != channel)];
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    /// <summary>Queues <paramref name="e"/> for delivery; never blocks, never throws.</summary>
    public void Publish(VirtualIpEvent e) => _queue.Writer.TryWrite((e, null));

    /// <summary>Completes when every event published so far has been delivered.</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _queue.Writer.TryWrite((null, done)) ? done.Task : _dispatcher;
    }

    private async Task DispatchAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                if (item.Event is { } e)
                {
                    Deliver(e);
                }

                item.Flushed?.TrySetResult();
            }
        }

        foreach (var c in Volatile.Read(ref _subscribers))
        {
            c.Writer.TryComplete();
        }
    }

    private void Deliver(VirtualIpEvent e)
    {
        foreach (var c in Volatile.Read(ref _subscribers))
        {
            c.Writer.TryWrite(e);
        }

        if (Published is not { } handlers)
        {
            return;
        }

        // Each handler on its own: one that throws does not skip the ones after it.
        foreach (var d in handlers.GetInvocationList())
        {
            try
            {
                ((EventHandler<VirtualIpEvent>)d).Invoke(this, e);
            }
#pragma warning disable CA1031 // a subscriber's bug must not reach the dispatcher or the other subscribers
            catch (Exception ex)
#pragma warning restore CA1031
            {
                try
                {
                    HandlerFailed?.Invoke(ex);
                }
#pragma warning disable CA1031
                catch (Exception)
#pragma warning restore CA1031
                {
                    // nothing left to report to
                }
            }
        }
    }

    /// <summary>Ends the stream: what was published before is still delivered, then every reader completes.</summary>
    public void Complete() => _queue.Writer.TryComplete();
}
