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

/// <summary>A reply the client received: when (Stopwatch ticks), from which node, and when its probe was sent.</summary>
internal readonly record struct Reply(long Ticks, int Node, long Sent);

/// <summary>
/// The client-observed failover of a crash fault: <see cref="Ms"/> from the fault to the first reply from another
/// node (NaN if none came); <see cref="Void"/> says why the figure cannot be judged (the client's own probe sender or
/// receiver stalled across the moment service came back), or null.
/// </summary>
internal readonly record struct Failover(double Ms, int Node, long At, string? Void);

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

    /// <summary>Replies received in [<paramref name="fromTicks"/>, <paramref name="toTicks"/>], plus the last one before.</summary>
    public Reply[] Window(long fromTicks, long toTicks)
    {
        lock (_replies)
        {
            int i = _replies.FindLastIndex(r => r.Ticks < fromTicks);
            return [.. _replies.Skip(Math.Max(0, i)).TakeWhile(r => r.Ticks <= toTicks)];
        }
    }

    /// <summary>
    /// The longest gap between consecutive replies in the window, in ms (the window's ends count as replies' edges;
    /// with <paramref name="fromLastReply"/> the gap runs from the last reply before the window instead, so a gap that
    /// spans <paramref name="fromTicks"/> counts whole).
    /// </summary>
    public double LongestGapMs(long fromTicks, long toTicks, bool fromLastReply = false)
    {
        var window = Window(fromTicks, toTicks);
        long prev = fromLastReply && window.Length > 0 && window[0].Ticks < fromTicks ? window[0].Ticks : fromTicks;
        long longest = 0;
        foreach (var r in window)
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

    /// <summary>
    /// The failover as the client saw it: from <paramref name="fromTicks"/> (the fault) to the first reply received
    /// from a node other than <paramref name="faulted"/>, at most <paramref name="toTicks"/>. The later hand-back to the
    /// faulted node when it returns is not part of it. The figure is void, rather than a violation, when it exceeds
    /// <paramref name="boundMs"/> only because the client itself stalled: its receiver (the answered probe was sent
    /// within the bound) or its sender (no probe was sent between a point within the bound and the answered one).
    /// </summary>
    public Failover FirstReplyFrom(long fromTicks, long toTicks, int faulted, double boundMs)
    {
        Reply? first = null;
        foreach (var r in Window(fromTicks, toTicks))
        {
            if (r.Ticks >= fromTicks && r.Node != faulted)
            {
                first = r;
                break;
            }
        }

        if (first is not { } f)
        {
            return new Failover(double.NaN, 0, 0, null);
        }

        double ms = Ms(f.Ticks - fromTicks);
        string? why = null;
        if (ms > boundMs)
        {
            long previousSend;
            lock (_sends)
            {
                int i = _sends.BinarySearch(f.Sent);
                i = i < 0 ? ~i : i;
                previousSend = i > 0 ? _sends[i - 1] : fromTicks;
            }

            if (Ms(f.Sent - fromTicks) <= boundMs)
            {
                why = $"client receiver stalled: the answered probe was sent {Ms(f.Sent - fromTicks):0} ms after the fault, received {ms:0} ms after";
            }
            else if (Ms(f.Sent - previousSend) > 50 && Ms(previousSend - fromTicks) <= boundMs)
            {
                why = $"client sender stalled {Ms(f.Sent - previousSend):0} ms (no probe between {Ms(previousSend - fromTicks):0} and {Ms(f.Sent - fromTicks):0} ms after the fault)";
            }
        }

        return new Failover(ms, f.Node, f.Ticks, why);
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    /// <summary>
    /// The node that sent the last reply at or before <paramref name="toTicks"/> within <paramref name="window"/>, or 0
    /// (<see cref="Window"/> also returns the last reply before the window, which does not count here: before
    /// 2026-12-06 a client that got no answer at all passed if its last answer, however old, came from the holder).
    /// </summary>
    public int LastResponder(long toTicks, TimeSpan window)
    {
        long from = toTicks - (long)(window.TotalSeconds * Stopwatch.Frequency);
        var w = Window(from, toTicks);
        return w.Length == 0 || w[^1].Ticks < from ? 0 : w[^1].Node;
    }

    public void Dispose()
    {
        _stop = true;
        _socket.Dispose();
    }
}
