using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VirtualIp.Election;
using VirtualIp.Frames;
using VirtualIp.Linux.Interop;

namespace VirtualIp.Linux.Vrrp;

/// <summary>
/// The receive side: a supervised loop awaits readability with a zero-byte peek (no dedicated thread; disposal cancels
/// it at once) and then drains the queue without blocking into preallocated, pinned buffers. IPv4 datagrams carry the
/// IP header, parsed by the engine's <see cref="IPv4"/>; IPv6 uses <c>recvmsg</c> for the hop limit and destination
/// (IPV6_HOPLIMIT, IPV6_PKTINFO). Received checksums are verified again by the engine, because the kernel skips packets
/// the device marked as checked.
/// </summary>
internal sealed partial class RawVrrpTransport
{
    private static readonly TimeSpan s_errorBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(5);

    [ThreadStatic]
    private static RawVrrpTransport? t_dispatching;

    /// <summary>
    /// Whether a datagram waits in the socket's receive queue (FIONREAD: the length of the head datagram, 0 when none).
    /// The engine asks when a Master_Down_Timer expires, so a starved receive loop's queued adverts are read before a
    /// takeover. One ioctl, no allocation; false once disposed or on an error.
    /// </summary>
    public bool HasPendingInput
    {
        get
        {
            if (_disposed)
            {
                return false;
            }

            try
            {
                return _socket.Available > 0;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return false;
            }
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
                _counters.LoopRestart();
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
                _counters.ChecksumDrop();
                continue;
            }
            catch (SocketException ex)
            {
                _counters.ReceiveError();
                LogReceiveFailed(_logger, InterfaceName, ex.NativeErrorCode, ex.Message);
                await Task.Delay(s_errorBackoff, _timeProvider).ConfigureAwait(false);
                continue;
            }

            BeforeDrainForTests?.Invoke();
            DrainReceiveQueue();
        }
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
                _counters.ReceiveError();
                LogReceiveFailed(_logger, InterfaceName, (int)error, error.ToString());
            }

            return error == SocketError.Interrupted;
        }

        // The Linux raw socket hands the header as received (tot_len in network order, checksum intact).
        if (!IPv4.TryParse(new ReadOnlySpan<byte>(_receiveBuffer, 0, received), out var ip, out var reason))
        {
            Drop(ReceiveDropReason.BadIPv4Header, reason);
            return true;
        }

        Dispatch(ip.Payload, ip.SourceAddress, ip.DestinationAddress, ip.Ttl);
        return true;
    }

    private unsafe bool TryReceiveIPv6()
    {
        var added = false;
        nint received;
        LibC.MsgHdr message;
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
            LibC.IoVec iov;
            iov.Base = Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_receiveBuffer));
            iov.Length = (nuint)_receiveBuffer.Length;
            message.Name = Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_nameBuffer));
            message.NameLength = (uint)_nameBuffer.Length;
            message.Iov = &iov;
            message.IovLength = 1;
            message.Control = Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_controlBuffer));
            message.ControlLength = (nuint)_controlBuffer.Length;
            message.Flags = 0;
            received = LibC.RecvMsg(_handle.DangerousGetHandle(), &message, LibC.MSG_DONTWAIT);
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
            if (errno == Errno.EINTR)
            {
                return true;
            }

            if (errno != Errno.EAGAIN && !_disposed)
            {
                _counters.ReceiveError();
                LogReceiveFailed(_logger, InterfaceName, errno, "recvmsg failed");
            }

            return false;
        }

        if ((message.Flags & (LibC.MSG_TRUNC | LibC.MSG_CTRUNC)) != 0)
        {
            Drop(ReceiveDropReason.KernelTruncated, FrameRejectReason.None);
            return true;
        }

        var control = new ReadOnlySpan<byte>(_controlBuffer, 0, (int)Math.Min(message.ControlLength, (nuint)_controlBuffer.Length));
        if (message.NameLength < LibC.SockaddrIn6Size
            || !ControlMessageReader.TryReadIPv6(control, out var hopLimit, out var destination, out _))
        {
            Drop(ReceiveDropReason.MissingControlData, FrameRejectReason.None);
            return true;
        }

        // sockaddr_in6: family(2) port(2) flowinfo(4) addr(16) scope_id(4).
        var source = new ReadOnlySpan<byte>(_nameBuffer, 8, 16);
        // Not "verified": IPV6_CHECKSUM skips the check for packets the device marked CHECKSUM_UNNECESSARY (veth, some
        // offloads), and a mutated advert then reached the engine unchecked (issue 11). The engine verifies it itself.
        Dispatch(new ReadOnlySpan<byte>(_receiveBuffer, 0, (int)received), source, destination, hopLimit);
        return true;
    }

    private void Dispatch(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte ttl)
    {
        _counters.Received(ttl);
        var handler = _handler!;
        var previous = t_dispatching;
        t_dispatching = this;
        try
        {
            handler.OnPacket(new VrrpReceivedPacket(payload, source, destination, ttl, IsIPv6, checksumVerified: false));
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

    private void Drop(ReceiveDropReason reason, FrameRejectReason header)
    {
        _counters.Dropped();
        LogDropped(_logger, InterfaceName, reason, header);
    }
}
