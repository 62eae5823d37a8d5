using System.Threading.Channels;

namespace VirtualIp.Events;

/// <summary>The typed stream of everything VirtualIp does: transitions with reasons, VIPs added and removed, health changes.</summary>
public interface IVirtualIpEvents
{
    /// <summary>Raised synchronously for every event (keep handlers short).</summary>
    event EventHandler<VirtualIpEvent>? Published;

    /// <summary>
    /// A reader that receives every event published after this call (bounded at 1,024 pending; the oldest are
    /// dropped if the reader falls behind). Complete it by cancelling <paramref name="cancellationToken"/>.
    /// </summary>
    ChannelReader<VirtualIpEvent> Subscribe(CancellationToken cancellationToken = default);
}

internal sealed class VirtualIpEventStream : IVirtualIpEvents
{
    private readonly Lock _gate = new();
    private Channel<VirtualIpEvent>[] _subscribers = [];

    public event EventHandler<VirtualIpEvent>? Published;

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

    public void Publish(VirtualIpEvent e)
    {
        foreach (var c in Volatile.Read(ref _subscribers))
        {
            c.Writer.TryWrite(e);
        }

        Published?.Invoke(this, e);
    }

    public void Complete()
    {
        foreach (var c in Volatile.Read(ref _subscribers))
        {
            c.Writer.TryComplete();
        }
    }
}
