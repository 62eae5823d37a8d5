using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using VirtualIp.Election;
using VirtualIp.Linux.Vrrp.Interop;

namespace VirtualIp.Linux.Vrrp;

/// <summary>
/// VRRP over a raw protocol-112 socket bound to one interface. IPv4 receives the IP header with the payload and
/// reads TTL and addresses from it; IPv6 uses <c>recvmsg</c> for the hop limit and destination (IPV6_HOPLIMIT,
/// IPV6_PKTINFO) and lets the kernel compute the checksum on send (IPV6_CHECKSUM at offset 6); received checksums are
/// verified again by the engine, because the kernel skips packets the device marked as checked.
/// The receive loop awaits readability with a zero-byte peek (no dedicated thread; disposal cancels it at once)
/// and then drains the queue without blocking into preallocated, pinned buffers.
/// </summary>
internal sealed partial class RawVrrpTransport : IVrrpTransport, IVrrpReceiveFilter
{
    /// <summary>Largest IP datagram; nothing can be truncated.</summary>
    internal const int ReceiveBufferSize = 65536;

    private const int ControlBufferSize = 128;
    private static readonly IPAddress s_ipv4Group = IPAddress.Parse("224.0.0.18");
    private static readonly IPAddress s_ipv6Group = IPAddress.Parse("ff02::12");
    private static readonly TimeSpan s_errorBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(5);

    [ThreadStatic]
    private static RawVrrpTransport? t_dispatching;

    private readonly Socket _socket;
    private readonly SafeSocketHandle _handle;
    private readonly SocketAddress[] _destinationAddresses;
    private readonly byte[] _receiveBuffer;
    private readonly byte[] _nameBuffer;
    private readonly byte[] _controlBuffer;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly KeyValuePair<string, object?> _interfaceTag;
    private IVrrpPacketHandler? _handler;
    private Task? _receiveLoop;
    private volatile bool _disposed;
    private long _packetsReceived;
    private long _invalidTtlPackets;
    private long _droppedPackets;
    private long _sendErrors;
    private long _receiveErrors;
    private long _loopRestarts;
    private long _checksumDrops;

    private RawVrrpTransport(Socket socket, string interfaceName, int interfaceIndex, bool isIPv6, IPAddress localAddress,
        IPAddress[] destinations, ILogger logger, TimeProvider timeProvider)
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
        _nameBuffer = GC.AllocateArray<byte>(VrrpNative.SockaddrIn6Size, pinned: true);
        _controlBuffer = GC.AllocateArray<byte>(ControlBufferSize, pinned: true);
        _logger = logger;
        _timeProvider = timeProvider;
        _interfaceTag = new("interface", interfaceName);
    }

    /// <summary>The interface name.</summary>
    public string InterfaceName { get; }

    /// <summary>The interface index in the socket's network namespace.</summary>
    public int InterfaceIndex { get; }

    /// <inheritdoc />
    public bool IsIPv6 { get; }

    /// <inheritdoc />
    public IPAddress LocalAddress { get; }

    /// <inheritdoc />
    public IReadOnlyList<IPAddress> Destinations { get; }

    /// <summary>Packets handed to the handler.</summary>
    public long PacketsReceived => Interlocked.Read(ref _packetsReceived);

    /// <summary>Packets handed to the handler whose TTL / hop limit was not 255 (the engine drops them).</summary>
    public long InvalidTtlPackets => Interlocked.Read(ref _invalidTtlPackets);

    /// <summary>Datagrams dropped here because the IP header or ancillary data was unusable.</summary>
    public long DroppedPackets => Interlocked.Read(ref _droppedPackets);

    /// <summary>Sends the kernel refused.</summary>
    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>Receive calls that failed with an OS error.</summary>
    public long ReceiveErrors => Interlocked.Read(ref _receiveErrors);

    /// <summary>Opens and configures the socket. Must run in the network namespace of the interface.</summary>
    public static RawVrrpTransport Create(LinuxVrrpTransportOptions options, ILogger logger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var name = options.InterfaceName;
        var isIPv6 = options.IsIPv6;

        var index = (int)VrrpNative.IfNameToIndex(name);
        if (index == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw VrrpTransportErrors.FromErrno("if_nametoindex", errno == 0 ? VrrpNative.ENODEV : errno, name, isIPv6);
        }

        var unicast = options.UnicastPeers.Count > 0;
        var local = options.SourceAddress ?? VrrpSourceAddress.Find(name, isIPv6, options.UnicastPeers, options.ExcludedSourceAddresses);
        if (isIPv6 && local.IsIPv6LinkLocal && local.ScopeId == 0)
        {
            local = WithScope(local, index);
        }
        var destinations = unicast
            ? options.UnicastPeers.Select(p => isIPv6 && p.IsIPv6LinkLocal && p.ScopeId == 0 ? WithScope(p, index) : p).ToArray()
            : [isIPv6 ? s_ipv6Group : s_ipv4Group];

        var fd = VrrpNative.CreateVrrpSocket(isIPv6, out var socketErrno);
        if (fd < 0)
        {
            throw VrrpTransportErrors.FromErrno("socket(protocol 112)", socketErrno, name, isIPv6);
        }

        var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        try
        {
            Configure(socket, name, index, isIPv6, unicast, unicast || options.SourceAddress is not null ? local : null);
            socket.Blocking = false;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw VrrpTransportErrors.FromSocketException(ex.Data["vrrp.op"] as string ?? "setsockopt", ex, name, isIPv6);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var transport = new RawVrrpTransport(socket, name, index, isIPv6, local, destinations, logger, timeProvider) { StrictTtl = options.StrictTtl };
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
            Interlocked.Increment(ref _sendErrors);
            VrrpTransportMetrics.SendErrors.Add(1, _interfaceTag);
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

    /// <summary>The supervised receive loop: an unexpected failure is logged, counted and the loop restarts after a back-off.</summary>
    private async Task ReceiveLoopAsync()
    {
        var backoff = s_errorBackoff;
        while (!_disposed)
        {
            try
            {
                await ReceiveLoopCoreAsync().ConfigureAwait(false);
                return;
            }
#pragma warning disable CA1031 // Supervision: never silently dead. Log, count, back off, restart.
            catch (Exception ex) when (!_disposed)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _loopRestarts);
                VrrpTransportMetrics.LoopRestarts.Add(1, _interfaceTag);
                LogReceiveLoopFailed(_logger, InterfaceName, ex);
                await Task.Delay(backoff, _timeProvider).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, s_maxBackoff.Ticks));
            }
        }
    }

    private async Task ReceiveLoopCoreAsync()
    {
        while (!_disposed)
        {
            try
            {
                // Zero-byte peek: completes when a datagram is queued, consumes nothing, cancelled by Dispose.
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.Peek).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException) when (_disposed)
            {
                return;
            }
            catch (SocketException ex) when (IsKernelChecksumDrop(ex))
            {
                // IPv6 (IPV6_CHECKSUM): the kernel verified the head datagram while peeking, found a bad checksum,
                // dropped it and reported EHOSTUNREACH. Not an error of the socket: count it and go on at once
                // (backing off here let ~10 bad packets/s keep a backup deaf).
                CountChecksumDrop();
                continue;
            }
            catch (SocketException ex)
            {
                Interlocked.Increment(ref _receiveErrors);
                LogReceiveFailed(_logger, InterfaceName, ex.NativeErrorCode, ex.Message);
                await Task.Delay(s_errorBackoff, _timeProvider).ConfigureAwait(false);
                continue;
            }

            BeforeDrainForTests?.Invoke();
            DrainReceiveQueue();
        }
    }

    /// <summary>Receives and dispatches every queued datagram without blocking; returns how many were read.</summary>
    internal int DrainReceiveQueue()
    {
        var count = 0;
        while (!_disposed && (IsIPv6 ? TryReceiveIPv6() : TryReceiveIPv4()))
        {
            count++;
        }

        return count;
    }

    private bool TryReceiveIPv4()
    {
        int received;
        SocketError error;
        try
        {
            received = _socket.Receive(_receiveBuffer, SocketFlags.None, out error);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }

        if (error != SocketError.Success)
        {
            if (error is not SocketError.WouldBlock and not SocketError.Interrupted && !_disposed)
            {
                Interlocked.Increment(ref _receiveErrors);
                LogReceiveFailed(_logger, InterfaceName, (int)error, error.ToString());
            }

            return error == SocketError.Interrupted;
        }

        var datagram = new ReadOnlySpan<byte>(_receiveBuffer, 0, received);
        if (!Ipv4DatagramReader.TryRead(datagram, out var ttl, out var source, out var destination, out var payload, out var reason))
        {
            Drop(reason);
            return true;
        }

        Dispatch(payload, source, destination, ttl, checksumVerified: false);
        return true;
    }

    private unsafe bool TryReceiveIPv6()
    {
        var added = false;
        nint received;
        VrrpNative.MsgHdr message;
        try
        {
            _handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }

        try
        {
            var buffer = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_receiveBuffer));
            VrrpNative.IoVec iov;
            iov.Base = buffer;
            iov.Length = (nuint)_receiveBuffer.Length;
            message.Name = Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_nameBuffer));
            message.NameLength = (uint)_nameBuffer.Length;
            message.Iov = &iov;
            message.IovLength = 1;
            message.Control = Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_controlBuffer));
            message.ControlLength = (nuint)_controlBuffer.Length;
            message.Flags = 0;
            received = VrrpNative.RecvMsg(_handle.DangerousGetHandle(), &message, VrrpNative.MSG_DONTWAIT);
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }

        if (received < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == VrrpNative.EINTR)
            {
                return true;
            }

            if (errno != VrrpNative.EAGAIN && !_disposed)
            {
                Interlocked.Increment(ref _receiveErrors);
                LogReceiveFailed(_logger, InterfaceName, errno, "recvmsg failed");
            }

            return false;
        }

        if ((message.Flags & (VrrpNative.MSG_TRUNC | VrrpNative.MSG_CTRUNC)) != 0)
        {
            Drop(ReceiveDropReason.KernelTruncated);
            return true;
        }

        var control = new ReadOnlySpan<byte>(_controlBuffer, 0, (int)Math.Min(message.ControlLength, (nuint)_controlBuffer.Length));
        if (message.NameLength < VrrpNative.SockaddrIn6Size
            || !ControlMessageReader.TryReadIPv6(control, out var hopLimit, out var destination, out _))
        {
            Drop(ReceiveDropReason.MissingControlData);
            return true;
        }

        // sockaddr_in6: family(2) port(2) flowinfo(4) addr(16) scope_id(4).
        var source = new ReadOnlySpan<byte>(_nameBuffer, 8, 16);
        // Not "verified": IPV6_CHECKSUM skips the check for packets the device marked CHECKSUM_UNNECESSARY (veth, some
        // offloads), and a mutated advert then reached the engine unchecked (issue 11). The engine verifies it itself.
        Dispatch(new ReadOnlySpan<byte>(_receiveBuffer, 0, (int)received), source, destination, hopLimit, checksumVerified: false);
        return true;
    }

    private void Dispatch(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte ttl, bool checksumVerified)
    {
        Interlocked.Increment(ref _packetsReceived);
        VrrpTransportMetrics.PacketsReceived.Add(1, _interfaceTag);
        if (ttl != 255)
        {
            Interlocked.Increment(ref _invalidTtlPackets);
            VrrpTransportMetrics.InvalidTtl.Add(1, _interfaceTag);
        }

        var handler = _handler!;
        var previous = t_dispatching;
        t_dispatching = this;
        try
        {
            handler.OnPacket(new VrrpReceivedPacket(payload, source, destination, ttl, IsIPv6, checksumVerified));
        }
#pragma warning disable CA1031 // A faulty handler must not stop the receive loop; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandlerFailed(_logger, InterfaceName, ex);
        }
        finally
        {
            t_dispatching = previous;
        }
    }

    private void Drop(ReceiveDropReason reason)
    {
        Interlocked.Increment(ref _droppedPackets);
        VrrpTransportMetrics.Dropped.Add(1, _interfaceTag);
        LogDropped(_logger, InterfaceName, reason);
    }

    private static void Validate(LinuxVrrpTransportOptions options)
    {
        var name = options.InterfaceName;
        if (string.IsNullOrWhiteSpace(name) || name.Length > 15 || name.Contains('/', StringComparison.Ordinal)
            || name.Any(char.IsWhiteSpace) || name is "." or "..")
        {
            throw new ArgumentException($"InterfaceName '{name}' is not a valid Linux interface name (1-15 characters, no '/' or spaces).", nameof(options));
        }

        var family = options.IsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        foreach (var peer in options.UnicastPeers)
        {
            if (peer is null || peer.AddressFamily != family)
            {
                throw new ArgumentException($"UnicastPeers entry '{peer}' is not an {(options.IsIPv6 ? "IPv6" : "IPv4")} address.", nameof(options));
            }

            if (IsMulticast(peer) || peer.Equals(IPAddress.Any) || peer.Equals(IPAddress.IPv6Any) || peer.Equals(IPAddress.Broadcast))
            {
                throw new ArgumentException($"UnicastPeers entry '{peer}' is not a unicast address.", nameof(options));
            }
        }

        if (options.SourceAddress is { } source && (source.AddressFamily != family || IsMulticast(source)))
        {
            throw new ArgumentException($"SourceAddress '{source}' is not a unicast {(options.IsIPv6 ? "IPv6" : "IPv4")} address.", nameof(options));
        }
    }

    private static bool IsMulticast(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6
            ? address.IsIPv6Multicast
            : (address.GetAddressBytes()[0] & 0xF0) == 0xE0;

    private static IPAddress WithScope(IPAddress address, int index) => new(address.GetAddressBytes(), index);

    private static void Configure(Socket socket, string name, int index, bool isIPv6, bool unicast, IPAddress? source)
    {
        Span<byte> nameBytes = stackalloc byte[16];
        nameBytes.Clear();
        Encoding.ASCII.GetBytes(name, nameBytes);
        SetOption(socket, VrrpNative.SOL_SOCKET, VrrpNative.SO_BINDTODEVICE, nameBytes[..(name.Length + 1)], "SO_BINDTODEVICE");

        Span<byte> mreq = stackalloc byte[20];
        if (!isIPv6)
        {
            TrySetInt(socket, VrrpNative.IPPROTO_IP, VrrpNative.IP_MULTICAST_ALL, 0);
            SetInt(socket, VrrpNative.IPPROTO_IP, VrrpNative.IP_TTL, 255, "IP_TTL");
            SetInt(socket, VrrpNative.IPPROTO_IP, VrrpNative.IP_MULTICAST_TTL, 255, "IP_MULTICAST_TTL");
            SetInt(socket, VrrpNative.IPPROTO_IP, VrrpNative.IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP");

            // struct ip_mreqn { in_addr multiaddr; in_addr address; int ifindex; }
            var mreqn = mreq[..12];
            mreqn.Clear();
            source?.TryWriteBytes(mreqn.Slice(4, 4), out _);
            BinaryPrimitives.WriteInt32LittleEndian(mreqn[8..], index);
            SetOption(socket, VrrpNative.IPPROTO_IP, VrrpNative.IP_MULTICAST_IF, mreqn, "IP_MULTICAST_IF");
            if (!unicast)
            {
                mreqn.Clear();
                s_ipv4Group.TryWriteBytes(mreqn[..4], out _);
                BinaryPrimitives.WriteInt32LittleEndian(mreqn[8..], index);
                SetOption(socket, VrrpNative.IPPROTO_IP, VrrpNative.IP_ADD_MEMBERSHIP, mreqn, "IP_ADD_MEMBERSHIP 224.0.0.18");
            }
            else if (source is not null)
            {
                Bind(socket, source);
            }
        }
        else
        {
            SetInt(socket, VrrpNative.IPPROTO_IPV6, VrrpNative.IPV6_CHECKSUM, 6, "IPV6_CHECKSUM");
            SetInt(socket, VrrpNative.IPPROTO_IPV6, VrrpNative.IPV6_UNICAST_HOPS, 255, "IPV6_UNICAST_HOPS");
            SetInt(socket, VrrpNative.IPPROTO_IPV6, VrrpNative.IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS");
            SetInt(socket, VrrpNative.IPPROTO_IPV6, VrrpNative.IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP");
            SetInt(socket, VrrpNative.IPPROTO_IPV6, VrrpNative.IPV6_MULTICAST_IF, index, "IPV6_MULTICAST_IF");
            SetInt(socket, VrrpNative.IPPROTO_IPV6, VrrpNative.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
            SetInt(socket, VrrpNative.IPPROTO_IPV6, VrrpNative.IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT");
            TrySetInt(socket, VrrpNative.IPPROTO_IPV6, VrrpNative.IPV6_MULTICAST_ALL, 0);
            if (!unicast)
            {
                // struct ipv6_mreq { in6_addr multiaddr; int ifindex; }
                mreq.Clear();
                s_ipv6Group.TryWriteBytes(mreq[..16], out _);
                BinaryPrimitives.WriteInt32LittleEndian(mreq[16..], index);
                SetOption(socket, VrrpNative.IPPROTO_IPV6, VrrpNative.IPV6_ADD_MEMBERSHIP, mreq, "IPV6_ADD_MEMBERSHIP ff02::12");
            }

            if (source is not null)
            {
                Bind(socket, source);
            }
        }
    }

    private static void Bind(Socket socket, IPAddress source)
    {
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
        }
        catch (SocketException ex)
        {
            ex.Data["vrrp.op"] = $"bind({source})";
            throw;
        }
    }

    private static void SetInt(Socket socket, int level, int option, int value, string what)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        SetOption(socket, level, option, bytes, what);
    }

    private static void TrySetInt(Socket socket, int level, int option, int value)
    {
        try
        {
            SetInt(socket, level, option, value, "");
        }
        catch (SocketException)
        {
            // Optional (older kernels lack IPV6_MULTICAST_ALL); the socket works without it.
        }
    }

    private static void SetOption(Socket socket, int level, int option, ReadOnlySpan<byte> value, string what)
    {
        try
        {
            socket.SetRawSocketOption(level, option, value);
        }
        catch (SocketException ex)
        {
            ex.Data["vrrp.op"] = $"setsockopt({what})";
            throw;
        }
    }
}

/// <summary>The transport's meter: <see cref="LinuxVrrpTransport.MeterName"/>.</summary>
internal static class VrrpTransportMetrics
{
    private static readonly Meter s_meter = new(LinuxVrrpTransport.MeterName);

    public static readonly Counter<long> PacketsReceived = s_meter.CreateCounter<long>(
        "virtualip.vrrp.transport.packets_received", "{packet}", "VRRP packets received and handed to the engine.");

    public static readonly Counter<long> InvalidTtl = s_meter.CreateCounter<long>(
        "virtualip.vrrp.transport.invalid_ttl", "{packet}", "VRRP packets received with TTL / hop limit other than 255.");

    public static readonly Counter<long> Dropped = s_meter.CreateCounter<long>(
        "virtualip.vrrp.transport.dropped", "{packet}", "Datagrams dropped by the transport (unusable IP header or ancillary data).");

    public static readonly Counter<long> LoopRestarts = s_meter.CreateCounter<long>(
        "virtualip.vrrp.transport.loop_restarts", "{restart}", "Times the receive loop failed unexpectedly and was restarted after a back-off.");

    public static readonly Counter<long> ChecksumDrops = s_meter.CreateCounter<long>(
        "virtualip.vrrp.transport.checksum_drops", "{packet}", "IPv6 VRRP packets the kernel dropped for a bad checksum (IPV6_CHECKSUM).");

    public static readonly Counter<long> SendErrors = s_meter.CreateCounter<long>(
        "virtualip.vrrp.transport.send_errors", "{packet}", "VRRP sends the kernel refused.");
}
