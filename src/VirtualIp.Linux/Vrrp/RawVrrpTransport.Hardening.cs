using System.Net.Sockets;
using System.Runtime.InteropServices;
using VirtualIp.Linux.Interop;

namespace VirtualIp.Linux.Vrrp;

/// <summary>
/// Receive-side hardening of the raw VRRP socket: a receive buffer sized for floods, a classic BPF filter (IP version,
/// protocol 112, TTL 255 in strict mode, VRRP advert, our VRIDs), and the IPv6 kernel-checksum drop that must not be
/// treated as a socket error.
/// </summary>
internal sealed partial class RawVrrpTransport
{
    private readonly Lock _filterGate = new();

    /// <summary>Whether the kernel filter also requires TTL / hop limit 255.</summary>
    public bool StrictTtl { get; init; } = true;

    /// <summary>Times the receive loop failed unexpectedly and was restarted.</summary>
    public long LoopRestarts => _counters.LoopRestarts;

    /// <summary>IPv6 packets the kernel dropped for a bad checksum while we read them.</summary>
    public long ChecksumDrops => _counters.ChecksumDrops;

    /// <summary>The receive buffer the kernel granted (bytes, as getsockopt reports it).</summary>
    public int ReceiveBufferBytes { get; private set; }

    /// <summary>Whether a kernel filter is attached.</summary>
    public bool FilterAttached { get; private set; }

    /// <summary>Test hook: runs in the receive loop before each drain (an exception here exercises supervision).</summary>
    internal Action? BeforeDrainForTests { get; set; }

    /// <inheritdoc />
    public void SetVirtualRouterIds(ReadOnlySpan<byte> virtualRouterIds)
    {
        if (_disposed)
        {
            return;
        }

        lock (_filterGate)
        {
            AttachFilter(VrrpSocketFilter.Build(IsIPv6, StrictTtl, virtualRouterIds));
        }
    }

    private void ApplyReceiveHardening(int receiveBufferBytes)
    {
        if (receiveBufferBytes > 0)
        {
            // SO_RCVBUFFORCE (CAP_NET_ADMIN, which a VRRP node has) ignores rmem_max; fall back to SO_RCVBUF.
            try
            {
                VrrpSocketSetup.SetInt(_socket, SocketOptions.SOL_SOCKET, SocketOptions.SO_RCVBUFFORCE, receiveBufferBytes, "SO_RCVBUFFORCE");
            }
            catch (SocketException)
            {
                // Keeps the default buffer when refused; reported through ReceiveBufferBytes.
                VrrpSocketSetup.TrySetInt(_socket, SocketOptions.SOL_SOCKET, SocketOptions.SO_RCVBUF, receiveBufferBytes);
            }
        }

        ReceiveBufferBytes = (int)(_socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveBuffer) ?? 0);
        lock (_filterGate)
        {
            AttachFilter(VrrpSocketFilter.Build(IsIPv6, StrictTtl, []));
        }
    }

    private unsafe void AttachFilter(VrrpSocketFilter.Instruction[] program)
    {
        var bytes = VrrpSocketFilter.ToBytes(program);
        fixed (byte* filter = bytes)
        {
            // struct sock_fprog { unsigned short len; struct sock_filter *filter; } (16 bytes on 64-bit)
            Span<byte> fprog = stackalloc byte[16];
            fprog.Clear();
            MemoryMarshal.Write(fprog, (ushort)program.Length);
            MemoryMarshal.Write(fprog[8..], (nint)filter);
            try
            {
                _socket.SetRawSocketOption(SocketOptions.SOL_SOCKET, SocketOptions.SO_ATTACH_FILTER, fprog);
                FilterAttached = true;
            }
            catch (SocketException ex)
            {
                // Without the filter the engine still checks everything; only the load shedding is lost.
                FilterAttached = false;
                LogFilterFailed(_logger, InterfaceName, ex.NativeErrorCode, ex.Message);
            }
        }
    }

    private static bool IsKernelChecksumDrop(SocketException ex) =>
        ex.SocketErrorCode == SocketError.HostUnreachable || ex.NativeErrorCode == Errno.EHOSTUNREACH;
}
