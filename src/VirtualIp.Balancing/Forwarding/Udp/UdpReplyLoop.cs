using System.Net.Sockets;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Relays a session's backend replies to its client from the listen socket. While the session is idle the loop waits
/// with a zero-byte <see cref="SocketFlags.Peek"/> receive, which holds no buffer and consumes nothing; when a reply is
/// queued it takes a 64 KiB buffer (<see cref="UdpForwarder.RentReplyBuffer"/>: the forwarder's one spare, else the
/// shared pool), relays what is queued (non-blocking reads, at most <see cref="MaxBatch"/> at a time) and gives the
/// buffer back. So buffer memory follows the replies in flight, not the number of sessions, and the steady state
/// allocates nothing, whichever thread runs the relay. Any failure ends the session (never the loop silently).
/// </summary>
internal static class UdpReplyLoop
{
    /// <summary>The largest UDP payload.</summary>
    public const int MaxDatagram = 65535;

    /// <summary>Datagrams relayed per wake-up before yielding to other sessions.</summary>
    private const int MaxBatch = 32;

    public static void Start(UdpSession session, Socket listener, UdpForwarder owner) => _ = RunAsync(session, listener, owner);

    private static async Task RunAsync(UdpSession session, Socket listener, UdpForwarder owner)
    {
        await Task.Yield();
        try
        {
            while (true)
            {
                await session.Socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.Peek).ConfigureAwait(false);
                if (!Relay(session, listener, owner))
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (session.IsClosed && ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Closed by idle expiry, drain or stop: the normal end.
        }
        catch (SocketException ex)
        {
            // ICMP port unreachable from the backend (refused/reset) is the backend's failure; local errors are not.
            owner.EndSession(session, ex.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            owner.EndSession(session, null);
        }
        catch (Exception ex)
        {
            owner.ReplyLoopFailed(session, ex);
        }
    }

    /// <summary>Relays the queued replies; false when the session ended.</summary>
    private static bool Relay(UdpSession session, Socket listener, UdpForwarder owner)
    {
        var buffer = owner.RentReplyBuffer();
        try
        {
            for (int i = 0; i < MaxBatch; i++)
            {
                int n = session.Socket.Receive(buffer, SocketFlags.None, out SocketError error);
                if (error == SocketError.WouldBlock)
                {
                    return true;
                }

                if (error != SocketError.Success)
                {
                    owner.EndSession(session, error);
                    return false;
                }

                session.Touch();
                try
                {
                    listener.SendTo(buffer.AsSpan(0, n), SocketFlags.None, session.ClientAddress);
                    owner.Core.Metrics.BytesSent(session.Backend, n);
                }
                catch (SocketException)
                {
                    // The client's side (unreachable, full send queue): the reply is dropped, the backend is not at fault.
                }
            }

            return true;
        }
        finally
        {
            owner.ReturnReplyBuffer(buffer);
        }
    }
}
