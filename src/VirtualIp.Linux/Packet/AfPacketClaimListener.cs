using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using VirtualIp.Announcing;
using VirtualIp.Frames;
using VirtualIp.Linux.Interop;

namespace VirtualIp.Linux.Packet;

/// <summary>
/// Receives ARP and Neighbor Advertisements on one interface with an AF_PACKET socket (ETH_P_ALL, bound to the
/// interface) and a classic BPF filter that lets only ARP and ICMPv6 type 136 through, parses them with the frame
/// parsers and hands address claims to the engine. The receive loop is supervised (restart with back-off, counted,
/// logged). Parsing and dispatch allocate nothing.
/// </summary>
internal sealed partial class AfPacketClaimListener : INeighborClaimListener
{
    private const ushort EthPAll = 0x0003;
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(5);
    private readonly Socket _socket;
    private readonly byte[] _buffer = GC.AllocateArray<byte>(2048, pinned: true);
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private INeighborClaimHandler? _handler;
    private Task? _loop;
    private volatile bool _disposed;
    private long _restarts;
    private long _claims;

    private AfPacketClaimListener(Socket socket, string interfaceName, ILogger logger, TimeProvider time)
    {
        _socket = socket;
        InterfaceName = interfaceName;
        _logger = logger;
        _time = time;
    }

    /// <inheritdoc />
    public string InterfaceName { get; }

    /// <summary>Claims handed to the engine.</summary>
    public long Claims => Interlocked.Read(ref _claims);

    /// <summary>Times the receive loop failed and was restarted.</summary>
    public long Restarts => Interlocked.Read(ref _restarts);

    /// <summary>Opens the socket in the caller's network namespace. Needs CAP_NET_RAW.</summary>
    public static AfPacketClaimListener Create(string interfaceName, ILogger logger, TimeProvider time)
    {
        int index = (int)LibC.IfNameToIndex(interfaceName);
        if (index == 0)
        {
            throw new FrameSenderException($"Interface '{interfaceName}' does not exist (conflict detection)", Errno.ENODEV, "check the interface name");
        }

        Socket socket;
        try
        {
            socket = new Socket(AddressFamily.Packet, SocketType.Raw, ProtocolType.Unspecified); // receives once bound with ETH_P_ALL
        }
        catch (SocketException ex)
        {
            throw AfPacketFrameSender.Map(ex, $"Opening an AF_PACKET socket on '{interfaceName}' for conflict detection", interfaceName);
        }

        try
        {
            AttachFilter(socket);
            socket.Bind(new PacketEndPoint(index, EthPAll));
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw AfPacketFrameSender.Map(ex, $"Binding an AF_PACKET socket to '{interfaceName}' for conflict detection", interfaceName);
        }

        return new AfPacketClaimListener(socket, interfaceName, logger, time);
    }

    /// <inheritdoc />
    public ValueTask StartAsync(INeighborClaimHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.CompareExchange(ref _handler, handler, null) is not null)
        {
            throw new InvalidOperationException($"The claim listener on '{InterfaceName}' is already started.");
        }

        _loop = Task.Run(SuperviseAsync, CancellationToken.None);
        return ValueTask.CompletedTask;
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
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Parses one frame and reports a claim (ARP reply / gratuitous ARP sender, NA target). Allocation-free.</summary>
    internal static bool TryGetClaim(ReadOnlySpan<byte> frame, INeighborClaimHandler handler)
    {
        if (Arp.TryParse(frame, out var arp, out _))
        {
            // A probe (sender 0.0.0.0) claims nothing; a request asking for an address is not a claim either unless it is
            // gratuitous (sender address = target address). Replies claim their sender address.
            var sender = arp.SenderProtocolAddress;
            if (!sender.ContainsAnyExcept((byte)0) || (arp.Operation == ArpOperation.Request && !sender.SequenceEqual(arp.TargetProtocolAddress)))
            {
                return false;
            }

            handler.OnClaim(sender, arp.SenderHardwareAddress);
            return true;
        }

        if (Ndp.TryParse(frame, out var ndp, out _) && ndp.Type == NdpMessageType.NeighborAdvertisement)
        {
            handler.OnClaim(ndp.TargetAddress, ndp.TargetLinkLayerAddress ?? ndp.Ethernet.Source);
            return true;
        }

        return false;
    }

    private async Task SuperviseAsync()
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!_disposed)
        {
            try
            {
                await ReceiveLoopAsync().ConfigureAwait(false);
                return;
            }
#pragma warning disable CA1031 // Supervision: log, count, back off, restart; never silently dead.
            catch (Exception ex) when (!_disposed)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _restarts);
                LogLoopFailed(_logger, InterfaceName, ex);
                await Task.Delay(backoff, _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, s_maxBackoff.Ticks));
            }
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var handler = _handler!;
        while (!_disposed)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(_buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
            }
            catch (Exception) when (_disposed)
            {
                return;
            }

            if (TryGetClaim(_buffer.AsSpan(0, n), handler))
            {
                Interlocked.Increment(ref _claims);
            }
        }
    }

    /// <summary>cBPF: ARP (ethertype 0x0806), or IPv6 (0x86DD) with next header 58 and ICMPv6 type 136; everything else dropped in the kernel.</summary>
    private static unsafe void AttachFilter(Socket socket)
    {
        Span<ulong> code =
        [
            Ins(0x28, 0, 0, 12),       // 0: ldh [12]          ethertype
            Ins(0x15, 5, 0, 0x0806),   // 1: ARP -> 7 (accept)
            Ins(0x15, 0, 5, 0x86DD),   // 2: not IPv6 -> 8 (drop)
            Ins(0x30, 0, 0, 20),       // 3: ldb [20]          next header
            Ins(0x15, 0, 3, 58),       // 4: not ICMPv6 -> 8
            Ins(0x30, 0, 0, 54),       // 5: ldb [54]          ICMPv6 type
            Ins(0x15, 0, 1, 136),      // 6: not NA -> 8
            Ins(0x06, 0, 0, 0x40000),  // 7: accept
            Ins(0x06, 0, 0, 0),        // 8: drop
        ];
        fixed (ulong* filter = code)
        {
            Span<byte> fprog = stackalloc byte[16];
            fprog.Clear();
            MemoryMarshal.Write(fprog, (ushort)code.Length);
            MemoryMarshal.Write(fprog[8..], (nint)filter);
            socket.SetRawSocketOption(SocketOptions.SOL_SOCKET, SocketOptions.SO_ATTACH_FILTER, fprog);
        }
    }

    /// <summary>One <c>struct sock_filter</c> as its 8 bytes (little-endian host).</summary>
    private static ulong Ins(ushort code, byte jt, byte jf, uint k) => code | ((ulong)jt << 16) | ((ulong)jf << 24) | ((ulong)k << 32);

    [LoggerMessage(EventId = 1930, Level = LogLevel.Error, Message = "ARP/NA listener on {Interface} failed; restarting it after a back-off")]
    private static partial void LogLoopFailed(ILogger logger, string @interface, Exception exception);
}
