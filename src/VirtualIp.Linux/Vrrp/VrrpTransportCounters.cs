using VirtualIp.Diagnostics;
using VirtualIp.Linux.Diagnostics;

namespace VirtualIp.Linux.Vrrp;

/// <summary>
/// What one raw VRRP transport counts: read by its properties, and added to the <see cref="VirtualIpMeters.Linux"/>
/// meter (tagged with the interface) when the transport was made with one. Lock-free; allocation-free.
/// </summary>
internal sealed class VrrpTransportCounters(string interfaceName, LinuxMetrics? metrics)
{
    private readonly KeyValuePair<string, object?> _tag = new(LinuxMetrics.InterfaceTag, interfaceName);
    private long _packetsReceived;
    private long _invalidTtlPackets;
    private long _droppedPackets;
    private long _sendErrors;
    private long _receiveErrors;
    private long _loopRestarts;
    private long _checksumDrops;

    /// <summary>The meter's instruments, or null.</summary>
    public LinuxMetrics? Metrics => metrics;

    public long PacketsReceived => Interlocked.Read(ref _packetsReceived);

    public long InvalidTtlPackets => Interlocked.Read(ref _invalidTtlPackets);

    public long DroppedPackets => Interlocked.Read(ref _droppedPackets);

    public long SendErrors => Interlocked.Read(ref _sendErrors);

    public long ReceiveErrors => Interlocked.Read(ref _receiveErrors);

    public long LoopRestarts => Interlocked.Read(ref _loopRestarts);

    public long ChecksumDrops => Interlocked.Read(ref _checksumDrops);

    /// <summary>A datagram handed to the handler, with its TTL / hop limit.</summary>
    public void Received(byte ttl)
    {
        Interlocked.Increment(ref _packetsReceived);
        metrics?.PacketsReceived.Add(1, _tag);
        if (ttl != 255)
        {
            Interlocked.Increment(ref _invalidTtlPackets);
            metrics?.InvalidTtl.Add(1, _tag);
        }
    }

    public void Dropped()
    {
        Interlocked.Increment(ref _droppedPackets);
        metrics?.Dropped.Add(1, _tag);
    }

    public void SendError()
    {
        Interlocked.Increment(ref _sendErrors);
        metrics?.SendErrors.Add(1, _tag);
    }

    public void ReceiveError() => Interlocked.Increment(ref _receiveErrors);

    public void LoopRestart()
    {
        Interlocked.Increment(ref _loopRestarts);
        metrics?.LoopRestarts.Add(1, _tag);
    }

    public void ChecksumDrop()
    {
        Interlocked.Increment(ref _checksumDrops);
        metrics?.ChecksumDrops.Add(1, _tag);
    }
}
