using System.Diagnostics;
using VirtualIp.Chaos;

namespace VirtualIp.Lab;

/// <summary>The harness's reading of the probe replies (the client itself is eng/lab/Prober.cs, linked).</summary>
internal sealed partial class Prober
{
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
}
