using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VirtualIp.Addressing;
using VirtualIp.Binding;
using VirtualIp.Frames;

namespace VirtualIp.Announcing;

/// <summary>
/// Sends gratuitous ARP / unsolicited NA for VIPs on the schedule of <see cref="AnnouncerOptions"/>:
/// an immediate burst, a second burst later, then an optional periodic refresh until the handle is disposed.
/// The first burst is sent synchronously inside <see cref="Start"/> (a takeover announces within microseconds
/// of binding); the interface MAC and the frame sender are resolved once per interface and kept. Later frames
/// follow an absolute schedule from the start, so a late timer never shifts the ones after it.
/// </summary>
internal sealed partial class VipAnnouncer : IVipAnnouncer, IDisposable
{
    private readonly IFrameSenderFactory _senders;
    private readonly IVipBinder _binder;
    private readonly IAnnouncementFrames _frames;
    private readonly IOptionsMonitor<AnnouncerOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, IFrameSender> _openSenders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MacAddress> _macs = new(StringComparer.Ordinal);

    public VipAnnouncer(IFrameSenderFactory senders, IVipBinder binder, IAnnouncementFrames frames, IOptionsMonitor<AnnouncerOptions> options,
        TimeProvider? timeProvider = null, ILogger<VipAnnouncer>? logger = null)
    {
        _senders = senders;
        _binder = binder;
        _frames = frames;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Raised after each frame is sent (interface, VIP, frame kind).</summary>
    public event Action<string, VipAddress, AnnouncementKind>? FrameSent;

    public IDisposable Start(string interfaceName, IReadOnlyList<VipAddress> vips, MacAddress? sourceMac = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        ArgumentNullException.ThrowIfNull(vips);
        var run = new Run(this, interfaceName, [.. vips], sourceMac, _options.CurrentValue);
        run.Task = run.RunAsync(); // runs synchronously up to the first wait: the first burst is on the wire when Start returns
        return run;
    }

    /// <summary>
    /// Gets an interface ready so that the first takeover announces at once: resolves its MAC, opens its frame sender
    /// and runs the frame writers once into a scratch buffer (in a JIT-compiled app the first takeover would otherwise
    /// pay ~20 ms of compilation between the bind and the first gratuitous ARP).
    /// </summary>
    public async ValueTask PrepareAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        var mac = await MacForAsync(interfaceName, cancellationToken).ConfigureAwait(false);
        _ = SenderFor(interfaceName);
        var scratch = new byte[_frames.MaxFrameLength];
        var options = _options.CurrentValue;
        _frames.WriteArp(scratch, mac, [192, 0, 2, 1], reply: false, options.ArpTargetHardware);
        _frames.WriteArp(scratch, mac, [192, 0, 2, 1], reply: true, options.ArpTargetHardware);
        _frames.WriteNeighborAdvertisement(scratch, mac, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], options.NeighborAdvertisementRouterFlag);
        var warm = new Run(this, interfaceName, [], mac, options);
        warm.Task = warm.RunAsync(); // no VIPs: walks the burst path without sending
        warm.Dispose();
    }

    /// <summary>Closes the frame senders kept per interface.</summary>
    public void Dispose()
    {
        foreach (var sender in _openSenders.Values)
        {
            sender.Dispose();
        }

        _openSenders.Clear();
    }

    private IFrameSender SenderFor(string interfaceName) => _openSenders.GetOrAdd(interfaceName, static (name, f) => f.Create(name), _senders);

    private async ValueTask<MacAddress> MacForAsync(string interfaceName, CancellationToken ct)
    {
        if (_macs.TryGetValue(interfaceName, out var mac))
        {
            return mac;
        }

        var info = await _binder.GetInterfaceAsync(interfaceName, ct).ConfigureAwait(false);
        _macs[interfaceName] = info.Mac;
        return info.Mac;
    }

    private void Forget(string interfaceName)
    {
        if (_openSenders.TryRemove(interfaceName, out var sender))
        {
            sender.Dispose();
        }

        _macs.TryRemove(interfaceName, out _);
    }

    private sealed class Run(VipAnnouncer owner, string interfaceName, VipAddress[] vips, MacAddress? sourceMac, AnnouncerOptions options) : IDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private readonly byte[] _buffer = new byte[owner._frames.MaxFrameLength];
        private long _start;
        private int _sequence;

        public Task Task { get; set; } = Task.CompletedTask;

        public async Task RunAsync()
        {
            var ct = _cts.Token;
            try
            {
                _start = owner._time.GetTimestamp();
                var mac = sourceMac ?? await owner.MacForAsync(interfaceName, ct).ConfigureAwait(false);
                var sender = owner.SenderFor(interfaceName);
                await BurstAsync(sender, mac, options.BurstCount, TimeSpan.Zero, ct).ConfigureAwait(false);
                var next = options.SecondBurstDelay;
                if (next > TimeSpan.Zero)
                {
                    await BurstAsync(sender, mac, options.BurstCount, next, ct).ConfigureAwait(false);
                }

                if (options.RefreshInterval is { } refresh && refresh > TimeSpan.Zero)
                {
                    while (true)
                    {
                        next += refresh;
                        await BurstAsync(sender, mac, options.RefreshCount, next, ct).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                owner.Forget(interfaceName); // reopen next time (the interface may have been recreated)
                LogAnnounceFailed(owner._logger, interfaceName, ex);
            }
        }

        /// <summary>Sends <paramref name="count"/> frames per VIP, the first at <paramref name="at"/> after the start.</summary>
        private async Task BurstAsync(IFrameSender sender, MacAddress mac, int count, TimeSpan at, CancellationToken ct)
        {
            for (int i = 0; i < count; i++)
            {
                var due = at + (options.FrameSpacing * i);
                var wait = due - owner._time.GetElapsedTime(_start);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, owner._time, ct).ConfigureAwait(false);
                }

                ct.ThrowIfCancellationRequested();
                foreach (var vip in vips)
                {
                    SendOne(sender, mac, vip);
                }
            }
        }

        private void SendOne(IFrameSender sender, MacAddress mac, VipAddress vip)
        {
            Span<byte> address = stackalloc byte[16];
            vip.Address.TryWriteBytes(address, out int n);
            if (!vip.IsIPv6)
            {
                bool reply = options.ArpMode switch
                {
                    ArpAnnouncementMode.Reply => true,
                    ArpAnnouncementMode.Alternating => (_sequence++ & 1) == 1,
                    _ => false,
                };
                int len = owner._frames.WriteArp(_buffer, mac, address[..n], reply, options.ArpTargetHardware);
                sender.Send(_buffer.AsSpan(0, len));
                owner.FrameSent?.Invoke(interfaceName, vip, reply ? AnnouncementKind.ArpReply : AnnouncementKind.ArpRequest);
                if (options.ArpMode == ArpAnnouncementMode.Both)
                {
                    len = owner._frames.WriteArp(_buffer, mac, address[..n], true, options.ArpTargetHardware);
                    sender.Send(_buffer.AsSpan(0, len));
                    owner.FrameSent?.Invoke(interfaceName, vip, AnnouncementKind.ArpReply);
                }
            }
            else
            {
                int len = owner._frames.WriteNeighborAdvertisement(_buffer, mac, address[..n], options.NeighborAdvertisementRouterFlag);
                sender.Send(_buffer.AsSpan(0, len));
                owner.FrameSent?.Invoke(interfaceName, vip, AnnouncementKind.NeighborAdvertisement);
            }
        }

        public void Dispose()
        {
            if (!_cts.IsCancellationRequested)
            {
                _cts.Cancel();
            }

            _cts.Dispose();
        }
    }

    [LoggerMessage(EventId = 1310, Level = LogLevel.Error, Message = "Announcing VIPs on {Interface} failed")]
    private static partial void LogAnnounceFailed(ILogger logger, string @interface, Exception exception);
}

/// <summary>The kind of announcement frame.</summary>
internal enum AnnouncementKind
{
    /// <summary>Gratuitous ARP request.</summary>
    ArpRequest,
    /// <summary>Gratuitous ARP reply.</summary>
    ArpReply,
    /// <summary>Unsolicited IPv6 Neighbor Advertisement.</summary>
    NeighborAdvertisement,
}
