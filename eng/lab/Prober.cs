using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Lab;

/// <summary>A reply the client received: when (Stopwatch ticks), from which node, and when its probe was sent.</summary>
internal readonly record struct Reply(long Ticks, int Node, long Sent);

/// <summary>
/// The client: a sequence-numbered UDP datagram to VIP:port every <c>period</c> from the client namespace, replies
/// recorded with their receive time and the answering node (see <see cref="EchoResponder"/>). Shared by the namespace
/// labs (linked source); each tool reads the replies in its own part of this class.
/// </summary>
internal sealed partial class Prober : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _sender;
    private readonly Thread _receiver;
    private readonly List<Reply> _replies = new(1 << 18);
    private readonly List<long> _sends = new(1 << 18);
    private readonly TimeSpan _period;
    private readonly IPEndPoint _target;
    private volatile bool _stop;

    public Prober(string clientNs, IPAddress vip, int port, TimeSpan period)
    {
        _period = period;
        _target = new IPEndPoint(vip, port);
        _socket = Native.RunIn(clientNs, () =>
        {
            var s = new Socket(vip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(vip.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0));
            s.ReceiveTimeout = 200;
            return s;
        });
        _sender = new Thread(SendLoop) { IsBackground = true, Name = "probe send " + vip, Priority = ThreadPriority.AboveNormal };
        _receiver = new Thread(ReceiveLoop) { IsBackground = true, Name = "probe receive " + vip, Priority = ThreadPriority.AboveNormal };
        _receiver.Start();
        _sender.Start();
        Cleanup.Register(Dispose);
    }

    private void SendLoop()
    {
        var buffer = new byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(buffer, 0x56495042); // "VIPB"
        long periodTicks = (long)(_period.TotalSeconds * Stopwatch.Frequency);
        long next = Stopwatch.GetTimestamp();
        uint seq = 0;
        while (!_stop)
        {
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), seq++);
            long sent = Stopwatch.GetTimestamp();
            BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(8), sent);
            lock (_sends)
            {
                _sends.Add(sent);
            }

            try
            {
                _socket.SendTo(buffer, _target);
            }
            catch (SocketException)
            {
                // EHOSTUNREACH while the neighbour entry is failed: a lost probe.
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            next += periodTicks;
            long wait = next - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                Thread.Sleep(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
            }
            else if (-wait > 10 * periodTicks)
            {
                next = Stopwatch.GetTimestamp(); // descheduled for long: do not burst
            }
        }
    }

    private void ReceiveLoop()
    {
        var buffer = new byte[64];
        EndPoint from = new IPEndPoint(_target.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!_stop)
        {
            try
            {
                int n = _socket.ReceiveFrom(buffer, ref from);
                long now = Stopwatch.GetTimestamp();
                if (n >= 17 && BinaryPrimitives.ReadUInt32BigEndian(buffer) == 0x56495042)
                {
                    lock (_replies)
                    {
                        _replies.Add(new Reply(now, buffer[16], BinaryPrimitives.ReadInt64BigEndian(buffer.AsSpan(8))));
                    }
                }
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        _stop = true;
        _socket.Dispose();
    }
}
