using System.Diagnostics;

namespace VirtualIp.Lab;

/// <summary>The benchmark's reading of the probe replies (the client itself is eng/lab/Prober.cs, linked).</summary>
internal sealed partial class Prober
{
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

    /// <summary>
    /// Probes sent between <paramref name="fromTicks"/> and <paramref name="toTicks"/> that no reply answered (matched
    /// by the send stamp each reply carries back), leaving out the last 100 ms, whose replies may still be in flight.
    /// </summary>
    public int LostBetween(long fromTicks, long toTicks)
    {
        long last = toTicks - (long)(0.1 * Stopwatch.Frequency);
        HashSet<long> answered;
        lock (_replies)
        {
            answered = [.. _replies.Select(r => r.Sent)];
        }

        lock (_sends)
        {
            return _sends.Count(s => s >= fromTicks && s <= last && !answered.Contains(s));
        }
    }
}
