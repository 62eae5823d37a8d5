using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using VirtualIp.Diagnostics;
using VirtualIp.Election;
using VirtualIp.Linux.Diagnostics;
using VirtualIp.Linux.Interop;

namespace VirtualIp.Linux.Vrrp;

/// <summary>
/// VRRP over a raw protocol-112 socket bound to one interface (opened by <see cref="VrrpSocketSetup"/>, options checked
/// by <see cref="LinuxVrrpTransportOptionsValidation"/>, counted by <see cref="VrrpTransportCounters"/>). This file:
/// creation, start, send and disposal; the receive loop is in RawVrrpTransport.Receive.cs and the kernel filter and
/// buffer in RawVrrpTransport.Hardening.cs.
/// </summary>
internal sealed partial class RawVrrpTransport : IVrrpTransport, IVrrpReceiveFilter, IVrrpReceiveBacklog
{
    /// <summary>Largest IP datagram; nothing can be truncated.</summary>
    internal const int ReceiveBufferSize = 65536;

    private const int ControlBufferSize = 128;

    private readonly Socket _socket;
    private readonly SafeSocketHandle _handle;
    private readonly SocketAddress[] _destinationAddresses;
    private readonly byte[] _receiveBuffer;
    private readonly byte[] _nameBuffer;
    private readonly byte[] _controlBuffer;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly VrrpTransportCounters _counters;
    private IVrrpPacketHandler? _handler;
    private Task? _receiveLoop;
    private volatile bool _disposed;

    private RawVrrpTransport(Socket socket, string interfaceName, int interfaceIndex, bool isIPv6, IPAddress localAddress,
        IPAddress[] destinations, ILogger logger, TimeProvider timeProvider, LinuxMetrics? metrics)
    {
        _socket = socket;
        _handle = socket.SafeHandle;
        InterfaceName = interfaceName;
        InterfaceIndex = interfaceIndex;
        IsIPv6 = isIPv6;
        LocalAddress = localAddress;
        Destinations = destinations;
        _destinationAddresses = new SocketAddress[destinations.Length];
        for (var i = 0; i < destinations.Length; i++)
        {
            _destinationAddresses[i] = new IPEndPoint(destinations[i], 0).Serialize();
        }

        _receiveBuffer = GC.AllocateArray<byte>(ReceiveBufferSize, pinned: true);
        _nameBuffer = GC.AllocateArray<byte>(LibC.SockaddrIn6Size, pinned: true);
        _controlBuffer = GC.AllocateArray<byte>(ControlBufferSize, pinned: true);
        _logger = logger;
        _timeProvider = timeProvider;
        _counters = new VrrpTransportCounters(interfaceName, metrics);
    }

    /// <summary>The interface name.</summary>
    public string InterfaceName { get; }

    /// <summary>The <see cref="VirtualIpMeters.Linux"/> counters; null when the transport was made without a meter factory.</summary>
    internal LinuxMetrics? Metrics => _counters.Metrics;

    /// <summary>The interface index in the socket's network namespace.</summary>
    public int InterfaceIndex { get; }

    /// <inheritdoc />
    public bool IsIPv6 { get; }

    /// <inheritdoc />
    public IPAddress LocalAddress { get; }

    /// <inheritdoc />
    public IReadOnlyList<IPAddress> Destinations { get; }

    /// <summary>Packets handed to the handler.</summary>
    public long PacketsReceived => _counters.PacketsReceived;

    /// <summary>Packets handed to the handler whose TTL / hop limit was not 255 (the engine drops them).</summary>
    public long InvalidTtlPackets => _counters.InvalidTtlPackets;

    /// <summary>Datagrams dropped here because the IP header or ancillary data was unusable.</summary>
    public long DroppedPackets => _counters.DroppedPackets;

    /// <summary>Sends the kernel refused.</summary>
    public long SendErrors => _counters.SendErrors;

    /// <summary>Receive calls that failed with an OS error.</summary>
    public long ReceiveErrors => _counters.ReceiveErrors;

    /// <summary>Opens and configures the socket. Must run in the network namespace of the interface.</summary>
    public static RawVrrpTransport Create(LinuxVrrpTransportOptions options, ILogger logger, TimeProvider timeProvider, LinuxMetrics? metrics = null)
    {
        LinuxVrrpTransportOptionsValidation.Validate(options);
        var name = options.InterfaceName;
        var isIPv6 = options.IsIPv6;

        var index = (int)LibC.IfNameToIndex(name);
        if (index == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw VrrpTransportErrors.FromErrno("if_nametoindex", errno == 0 ? Errno.ENODEV : errno, name, isIPv6);
        }

        var unicast = options.UnicastPeers.Count > 0;
        var local = options.SourceAddress ?? VrrpSourceAddress.Find(name, isIPv6, options.UnicastPeers, options.ExcludedSourceAddresses);
        if (isIPv6 && local.IsIPv6LinkLocal && local.ScopeId == 0)
        {
            local = WithScope(local, index);
        }

        var destinations = unicast
            ? options.UnicastPeers.Select(p => isIPv6 && p.IsIPv6LinkLocal && p.ScopeId == 0 ? WithScope(p, index) : p).ToArray()
            : [isIPv6 ? VrrpSocketSetup.IPv6Group : VrrpSocketSetup.IPv4Group];

        var socket = VrrpSocketSetup.Open(name, index, isIPv6, unicast, unicast || options.SourceAddress is not null ? local : null);
        var transport = new RawVrrpTransport(socket, name, index, isIPv6, local, destinations, logger, timeProvider, metrics) { StrictTtl = options.StrictTtl };
        transport.ApplyReceiveHardening(options.ReceiveBufferBytes);
        return transport;
    }

    /// <inheritdoc />
    public ValueTask StartAsync(IVrrpPacketHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        Attach(handler);
        _receiveLoop = Task.Run(ReceiveLoopAsync, CancellationToken.None);
        LogStarted(_logger, IsIPv6 ? "IPv6" : "IPv4", InterfaceName, LocalAddress, Destinations.Count);
        return ValueTask.CompletedTask;
    }

    /// <summary>Sets the handler without starting the loop (tests drive <see cref="DrainReceiveQueue"/> themselves).</summary>
    internal void Attach(IVrrpPacketHandler handler)
    {
        if (Interlocked.CompareExchange(ref _handler, handler, null) is not null)
        {
            throw new InvalidOperationException($"The VRRP transport on '{InterfaceName}' is already started.");
        }
    }

    /// <inheritdoc />
    public void Send(ReadOnlySpan<byte> payload, int destinationIndex)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((uint)destinationIndex >= (uint)_destinationAddresses.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(destinationIndex), destinationIndex,
                $"Destination index must be in [0, {_destinationAddresses.Length}).");
        }

        try
        {
            _socket.SendTo(payload, SocketFlags.None, _destinationAddresses[destinationIndex]);
        }
        catch (SocketException ex)
        {
            // Transient (link down, no route, ENOBUFS): the engine keeps its timers; the next advert retries.
            _counters.SendError();
            LogSendFailed(_logger, Destinations[destinationIndex], InterfaceName, ex.NativeErrorCode, ex.Message);
        }
        catch (ObjectDisposedException) when (_disposed)
        {
            throw new ObjectDisposedException(nameof(RawVrrpTransport));
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _socket.Dispose();
        if (_receiveLoop is { } loop && t_dispatching != this)
        {
            // The loop logs its own failures; disposal never throws.
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static IPAddress WithScope(IPAddress address, int index) => new(address.GetAddressBytes(), index);
}
