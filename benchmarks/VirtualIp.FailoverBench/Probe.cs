using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace VirtualIp.FailoverBench;

/// <summary>A UDP echo responder inside a node namespace: answers every datagram with the payload plus its node number.</summary>
internal sealed class EchoResponder : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _thread;
    private volatile bool _stop;

    public EchoResponder(string ns, int port, byte node)
    {
        // A socket created on a thread that entered the namespace belongs to that namespace for its whole life.
        _socket = Native.RunIn(ns, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(IPAddress.Any, port));
            s.ReceiveTimeout = 200;
            return s;
        });
        _thread = new Thread(() =>
        {
            var buffer = new byte[64];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            while (!_stop)
            {
                try
                {
                    int n = _socket.ReceiveFrom(buffer, ref from);
                    if (n >= 16)
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

    public void Dispose()
    {
        _stop = true;
        _socket.Dispose();
    }
}

/// <summary>A reply the client received: when (Stopwatch ticks) and from which node.</summary>
internal readonly record struct Reply(long Ticks, int Node);

/// <summary>
/// The client: a sequence-numbered UDP datagram to VIP:port every <c>period</c>, replies recorded with their receive
/// time and the answering node. Outage = the longest gap between consecutive replies in a window.
/// </summary>
internal sealed class Prober : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _sender;
    private readonly Thread _receiver;
    private readonly List<Reply> _replies = new(1 << 16);
    private readonly TimeSpan _period;
    private readonly IPEndPoint _target;
    private volatile bool _stop;
    private long _sent;

    public Prober(string clientNs, IPAddress vip, int port, TimeSpan period)
    {
        _period = period;
        _target = new IPEndPoint(vip, port);
        _socket = Native.RunIn(clientNs, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(IPAddress.Any, 0));
            s.ReceiveTimeout = 200;
            return s;
        });
        _sender = new Thread(SendLoop) { IsBackground = true, Name = "probe send", Priority = ThreadPriority.AboveNormal };
        _receiver = new Thread(ReceiveLoop) { IsBackground = true, Name = "probe receive", Priority = ThreadPriority.AboveNormal };
        _receiver.Start();
        _sender.Start();
        Cleanup.Register(Dispose);
    }

    public long Sent => Interlocked.Read(ref _sent);

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
                Interlocked.Increment(ref _sent);
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
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
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

    /// <summary>Replies received at or after <paramref name="fromTicks"/>.</summary>
    public Reply[] RepliesSince(long fromTicks)
    {
        lock (_replies)
        {
            int i = _replies.FindIndex(r => r.Ticks >= fromTicks);
            return i < 0 ? [] : [.. _replies.Skip(i)];
        }
    }

    /// <summary>True when every reply of the last <paramref name="window"/> came from <paramref name="node"/> and there were some in each 100 ms.</summary>
    public bool SteadyFrom(int node, TimeSpan window)
    {
        long now = Stopwatch.GetTimestamp();
        var recent = RepliesSince(now - (long)(window.TotalSeconds * Stopwatch.Frequency));
        if (recent.Length == 0 || recent.Any(r => r.Node != node))
        {
            return false;
        }

        long limit = (long)(0.1 * Stopwatch.Frequency);
        long first = now - (long)(window.TotalSeconds * Stopwatch.Frequency);
        long prev = first;
        foreach (var r in recent)
        {
            if (r.Ticks - prev > limit)
            {
                return false;
            }

            prev = r.Ticks;
        }

        return now - prev <= limit;
    }

    /// <summary>The longest gap between consecutive replies in the window, in ms (gap to the window end counts if no reply closes it).</summary>
    public static double LongestGapMs(Reply[] replies, long fromTicks, long toTicks)
    {
        long prev = fromTicks;
        long longest = 0;
        foreach (var r in replies)
        {
            if (r.Ticks < fromTicks)
            {
                prev = r.Ticks;
                continue;
            }

            if (r.Ticks > toTicks)
            {
                break;
            }

            longest = Math.Max(longest, r.Ticks - prev);
            prev = r.Ticks;
        }

        longest = Math.Max(longest, toTicks - prev);
        return longest * 1000.0 / Stopwatch.Frequency;
    }

    public void Dispose()
    {
        _stop = true;
        _socket.Dispose();
    }
}
