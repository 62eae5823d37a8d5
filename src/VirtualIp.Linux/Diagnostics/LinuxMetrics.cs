using System.Diagnostics.Metrics;
using VirtualIp.Diagnostics;

namespace VirtualIp.Linux.Diagnostics;

/// <summary>
/// The Linux platform's instruments on the <see cref="VirtualIpMeters.Linux"/> meter: raw VRRP socket counters
/// (attribute <c>network.interface.name</c>) and the netlink address watcher's restarts. Created through the host's
/// <see cref="IMeterFactory"/> (<see cref="LinuxPlatform"/> gets it from DI); transports made by hand record nothing.
/// </summary>
internal sealed class LinuxMetrics
{
    public const string InterfaceTag = "network.interface.name";

    public LinuxMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(VirtualIpMeters.Linux);
        PacketsReceived = meter.CreateCounter<long>(
            "virtualip.vrrp.transport.packets_received", "{packet}", "VRRP packets received and handed to the engine.");
        InvalidTtl = meter.CreateCounter<long>(
            "virtualip.vrrp.transport.invalid_ttl", "{packet}", "VRRP packets received with TTL / hop limit other than 255.");
        Dropped = meter.CreateCounter<long>(
            "virtualip.vrrp.transport.dropped", "{packet}", "Datagrams dropped by the transport (unusable IP header or ancillary data).");
        LoopRestarts = meter.CreateCounter<long>(
            "virtualip.vrrp.transport.loop_restarts", "{restart}", "Times the receive loop failed unexpectedly and was restarted after a back-off.");
        ChecksumDrops = meter.CreateCounter<long>(
            "virtualip.vrrp.transport.checksum_drops", "{packet}", "IPv6 VRRP packets the kernel dropped for a bad checksum (IPV6_CHECKSUM).");
        SendErrors = meter.CreateCounter<long>(
            "virtualip.vrrp.transport.send_errors", "{packet}", "VRRP sends the kernel refused.");
        WatcherRestarts = meter.CreateCounter<long>(
            "virtualip.netlink.watcher.restarts", "{restart}", "Times the netlink address watcher failed unexpectedly and was restarted.");
    }

    public Counter<long> PacketsReceived { get; }

    public Counter<long> InvalidTtl { get; }

    public Counter<long> Dropped { get; }

    public Counter<long> LoopRestarts { get; }

    public Counter<long> ChecksumDrops { get; }

    public Counter<long> SendErrors { get; }

    public Counter<long> WatcherRestarts { get; }
}
