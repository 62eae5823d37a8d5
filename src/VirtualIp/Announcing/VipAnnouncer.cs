using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VirtualIp.Addressing;
using VirtualIp.Binding;

namespace VirtualIp.Announcing;

/// <summary>
/// Sends gratuitous ARP / unsolicited NA for VIPs on the schedule of <see cref="AnnouncerOptions"/>:
/// an immediate burst, a second burst later, then an optional periodic refresh until the handle is disposed.
/// </summary>
internal sealed partial class VipAnnouncer : IVipAnnouncer
{
    private readonly IFrameSenderFactory _senders;
    private readonly IVipBinder _binder;
    private readonly IAnnouncementFrames _frames;
    private readonly IOptionsMonitor<AnnouncerOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

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
        run.Task = run.RunAsync();
        return run;
    }

    private sealed class Run(VipAnnouncer owner, string interfaceName, VipAddress[] vips, MacAddress? sourceMac, AnnouncerOptions options) : IDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private int _sequence;

        public Task Task { get; set; } = Task.CompletedTask;

        public async Task RunAsync()
        {
            var ct = _cts.Token;
            try
            {
                await Task.Yield();
                var mac = sourceMac ?? (await owner._binder.GetInterfaceAsync(interfaceName, ct).ConfigureAwait(false)).Mac;
                using var sender = owner._senders.Create(interfaceName);
                var buffer = new byte[owner._frames.MaxFrameLength];
                await BurstAsync(sender, buffer, mac, options.BurstCount, ct).ConfigureAwait(false);
                if (options.SecondBurstDelay > TimeSpan.Zero)
                {
                    await Task.Delay(options.SecondBurstDelay, owner._time, ct).ConfigureAwait(false);
                    await BurstAsync(sender, buffer, mac, options.BurstCount, ct).ConfigureAwait(false);
                }

                if (options.RefreshInterval is { } refresh && refresh > TimeSpan.Zero)
                {
                    while (true)
                    {
                        await Task.Delay(refresh, owner._time, ct).ConfigureAwait(false);
                        await BurstAsync(sender, buffer, mac, options.RefreshCount, ct).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                LogAnnounceFailed(owner._logger, interfaceName, ex);
            }
        }

        private async Task BurstAsync(IFrameSender sender, byte[] buffer, MacAddress mac, int count, CancellationToken ct)
        {
            for (int i = 0; i < count; i++)
            {
                ct.ThrowIfCancellationRequested();
                foreach (var vip in vips)
                {
                    SendOne(sender, buffer, mac, vip);
                }

                if (options.FrameSpacing > TimeSpan.Zero && i < count - 1)
                {
                    await Task.Delay(options.FrameSpacing, owner._time, ct).ConfigureAwait(false);
                }
            }
        }

        private void SendOne(IFrameSender sender, byte[] buffer, MacAddress mac, VipAddress vip)
        {
            Span<byte> address = stackalloc byte[16];
            vip.Address.TryWriteBytes(address, out int n);
            if (!vip.IsIPv6)
            {
                bool both = options.ArpMode is ArpAnnouncementMode.Both;
                bool reply = options.ArpMode switch
                {
                    ArpAnnouncementMode.Reply => true,
                    ArpAnnouncementMode.Alternating => (_sequence++ & 1) == 1,
                    _ => false,
                };
                int len = owner._frames.WriteArp(buffer, mac, address[..n], reply, options.ArpTargetHardware);
                sender.Send(buffer.AsSpan(0, len));
                owner.FrameSent?.Invoke(interfaceName, vip, reply ? AnnouncementKind.ArpReply : AnnouncementKind.ArpRequest);
                if (both)
                {
                    len = owner._frames.WriteArp(buffer, mac, address[..n], true, options.ArpTargetHardware);
                    sender.Send(buffer.AsSpan(0, len));
                    owner.FrameSent?.Invoke(interfaceName, vip, AnnouncementKind.ArpReply);
                }
            }
            else
            {
                int len = owner._frames.WriteNeighborAdvertisement(buffer, mac, address[..n], options.NeighborAdvertisementRouterFlag);
                sender.Send(buffer.AsSpan(0, len));
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

    [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "Announcing VIPs on {Interface} failed")]
    private static partial void LogAnnounceFailed(ILogger logger, string @interface, Exception exception);
}

/// <summary>The kind of announcement frame.</summary>
public enum AnnouncementKind
{
    /// <summary>Gratuitous ARP request.</summary>
    ArpRequest,
    /// <summary>Gratuitous ARP reply.</summary>
    ArpReply,
    /// <summary>Unsolicited IPv6 Neighbor Advertisement.</summary>
    NeighborAdvertisement,
}
