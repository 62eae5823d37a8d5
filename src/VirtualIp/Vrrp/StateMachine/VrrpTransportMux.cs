using System.Net;
using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>
/// Shares one <see cref="IVrrpTransport"/> (one interface and family) between several virtual routers:
/// drops own packets, dispatches by VRID and counts what cannot be dispatched.
/// </summary>
internal sealed class VrrpTransportMux : IVrrpPacketHandler
{
    private readonly VrrpRouter?[] _byVrid = new VrrpRouter?[256];
    private readonly long[] _rejected = new long[VrrpRouterStatistics.ReasonCount];
    private readonly byte[] _local;
    private readonly object _sync = new();
    private Task? _start;
    private int _registered;
    private readonly IVrrpReceiveBacklog? _backlog;
    private bool _disposed;

    public VrrpTransportMux(IVrrpTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        Transport = transport;
        _backlog = transport as IVrrpReceiveBacklog;
        _local = transport.LocalAddress.GetAddressBytes();
        var destinations = transport.Destinations;
        if (destinations is null || destinations.Count == 0)
        {
            throw new ArgumentException("The VRRP transport has no destinations (multicast group or unicast peers).", nameof(transport));
        }

        DestinationBytes = new byte[destinations.Count][];
        for (int i = 0; i < destinations.Count; i++)
        {
            DestinationBytes[i] = destinations[i].GetAddressBytes();
            if (DestinationBytes[i].Length != _local.Length)
            {
                throw new ArgumentException($"Destination {destinations[i]} is not of the local address {transport.LocalAddress}'s family.", nameof(transport));
            }
        }
    }

    public IVrrpTransport Transport { get; }

    /// <summary>Whether received datagrams wait in the transport's queue (false when the transport cannot tell).</summary>
    public bool HasPendingInput => _backlog is { } b && b.HasPendingInput;

    /// <summary>Whether the last router released the mux (its transport is disposed; a new router needs a new mux).</summary>
    public bool IsReleased
    {
        get
        {
            lock (_sync)
            {
                return _disposed;
            }
        }
    }

    public ReadOnlySpan<byte> LocalAddressBytes => _local;

    public IPAddress LocalAddress => Transport.LocalAddress;

    /// <summary>Destination address bytes, index-aligned with <see cref="IVrrpTransport.Destinations"/>.</summary>
    public byte[][] DestinationBytes { get; }

    public void Register(VrrpRouter router)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_byVrid[router.VirtualRouterId] is { } existing)
            {
                throw new ArgumentException($"VRID {router.VirtualRouterId} is already used by router '{existing.Name}' on this transport.", nameof(router));
            }

            Volatile.Write(ref _byVrid[router.VirtualRouterId], router);
            _registered++;
            UpdateFilterLocked();
        }
    }

    /// <summary>Tells a filtering transport (BPF on Linux) which VRIDs to let through.</summary>
    private void UpdateFilterLocked()
    {
        if (Transport is not IVrrpReceiveFilter filter)
        {
            return;
        }

        Span<byte> vrids = stackalloc byte[256];
        int n = 0;
        for (int i = 1; i < _byVrid.Length; i++)
        {
            if (_byVrid[i] is not null)
            {
                vrids[n++] = (byte)i;
            }
        }

        filter.SetVirtualRouterIds(vrids[..n]);
    }

    /// <summary>Starts the transport once, whoever asks first.</summary>
    public Task EnsureStartedAsync(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_start is null || _start.IsFaulted || _start.IsCanceled)
            {
                // The receive loop outlives the caller's token (which may be a host's startup token).
                _start = Transport.StartAsync(this, CancellationToken.None).AsTask();
            }

            return _start.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Unregisters a router; disposes the transport after the last one.</summary>
    public async ValueTask ReleaseAsync(VrrpRouter router)
    {
        bool last;
        lock (_sync)
        {
            if (!ReferenceEquals(_byVrid[router.VirtualRouterId], router))
            {
                return;
            }

            Volatile.Write(ref _byVrid[router.VirtualRouterId], null);
            last = --_registered == 0 && !_disposed;
            _disposed |= last;
        }

        if (last)
        {
            await Transport.DisposeAsync().ConfigureAwait(false);
        }
    }

    public long[] SnapshotRejected()
    {
        var copy = new long[_rejected.Length];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = Interlocked.Read(ref _rejected[i]);
        }

        return copy;
    }

    public void OnPacket(in VrrpReceivedPacket packet)
    {
        if (packet.SourceAddress.SequenceEqual(_local))
        {
            Interlocked.Increment(ref _rejected[(int)VrrpRejectReason.OwnPacket]);
            return;
        }

        if (packet.Payload.Length < VrrpCodec.HeaderLength)
        {
            Interlocked.Increment(ref _rejected[(int)VrrpRejectReason.Truncated]);
            return;
        }

        var router = Volatile.Read(ref _byVrid[packet.Payload[1]]);
        if (router is null)
        {
            Interlocked.Increment(ref _rejected[(int)VrrpRejectReason.UnknownVirtualRouter]);
            return;
        }

        router.HandlePacket(packet);
    }
}
