using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Chaos;

/// <summary>
/// The service on a node: a UDP echo responder (IPv4 and IPv6) answering every datagram with the payload plus its
/// node number. It stands for the application VirtualIp runs inside, so it is muted while the node's member is killed
/// or frozen (the application dies or freezes with it). Adapted from benchmarks/VirtualIp.FailoverBench/Probe.cs.
/// </summary>
internal sealed class EchoResponder : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _thread;
    private volatile bool _stop;

    public EchoResponder(string ns, int port, byte node)
    {
        _socket = Native.RunIn(ns, () =>
        {
            var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true };
            s.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
            s.ReceiveTimeout = 200;
            return s;
        });
        _thread = new Thread(() =>
        {
            var buffer = new byte[64];
            EndPoint from = new IPEndPoint(IPAddress.IPv6Any, 0);
            while (!_stop)
            {
                try
                {
                    int n = _socket.ReceiveFrom(buffer, ref from);
                    if (n >= 16 && !Muted)
                    {
                        buffer[16] = node;
                        _socket.SendTo(buffer.AsSpan(0, 17), SocketFlags.None, from);
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
        })
        { IsBackground = true, Name = "echo " + ns, Priority = ThreadPriority.AboveNormal };
        _thread.Start();
        Cleanup.Register(Dispose);
    }

    /// <summary>True while the node's member is killed or frozen.</summary>
    public bool Muted { get; set; }

    public void Dispose()
    {
        _stop = true;
        _socket.Dispose();
    }
}

/// <summary>A reply the client received: when (Stopwatch ticks) and from which node.</summary>
internal readonly record struct Reply(long Ticks, int Node);

/// <summary>
/// The client: a sequence-numbered UDP datagram to VIP:port every <c>period</c> from the client namespace, replies
/// recorded with their receive time and the answering node. Outage = the longest gap between consecutive replies.
/// </summary>
internal sealed class Prober : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _sender;
    private readonly Thread _receiver;
    private readonly List<Reply> _replies = new(1 << 18);
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
            BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(8), Stopwatch.GetTimestamp());
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
                        _replies.Add(new Reply(now, buffer[16]));
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

    /// <summary>Replies received in [<paramref name="fromTicks"/>, <paramref name="toTicks"/>], plus the last one before.</summary>
    public Reply[] Window(long fromTicks, long toTicks)
    {
        lock (_replies)
        {
            int i = _replies.FindLastIndex(r => r.Ticks < fromTicks);
            return [.. _replies.Skip(Math.Max(0, i)).TakeWhile(r => r.Ticks <= toTicks)];
        }
    }

    /// <summary>The longest gap between consecutive replies in the window, in ms (the window's ends count as replies' edges).</summary>
    public double LongestGapMs(long fromTicks, long toTicks)
    {
        long prev = fromTicks;
        long longest = 0;
        foreach (var r in Window(fromTicks, toTicks))
        {
            if (r.Ticks < fromTicks)
            {
                continue;
            }

            longest = Math.Max(longest, r.Ticks - prev);
            prev = r.Ticks;
        }

        longest = Math.Max(longest, toTicks - prev);
        return longest * 1000.0 / Stopwatch.Frequency;
    }

    /// <summary>The node that sent the last reply at or before <paramref name="toTicks"/> within <paramref name="window"/>, or 0.</summary>
    public int LastResponder(long toTicks, TimeSpan window)
    {
        var w = Window(toTicks - (long)(window.TotalSeconds * Stopwatch.Frequency), toTicks);
        return w.Length == 0 ? 0 : w[^1].Node;
    }

    public void Dispose()
    {
        _stop = true;
        _socket.Dispose();
    }
}
