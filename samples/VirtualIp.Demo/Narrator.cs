using System.Diagnostics;
using System.Globalization;

namespace VirtualIp.Demo;

/// <summary>
/// Prints the story, one line per step, stamped with the time since the demo started. Lines come from several
/// processes and threads, each stamped where it happened, so they are held for a moment and printed in time order.
/// </summary>
internal static class Narrator
{
    private static readonly TimeSpan s_hold = TimeSpan.FromMilliseconds(150);
    private static readonly Lock s_gate = new();
    private static readonly DateTimeOffset s_startWall = DateTimeOffset.UtcNow;
    private static readonly long s_startTicks = Stopwatch.GetTimestamp();
    private static readonly List<(DateTimeOffset At, long Order, string Text)> s_pending = [];
    private static readonly Timer s_flusher = new(_ => Flush(Now - s_hold), null, 50, 50);
    private static long s_order;

    /// <summary>Now, on the wall clock (shared with the child processes, so their timestamps line up).</summary>
    public static DateTimeOffset Now => s_startWall + Stopwatch.GetElapsedTime(s_startTicks);

    public static string Stamp(DateTimeOffset at) =>
        string.Create(CultureInfo.InvariantCulture, $"[{(at - s_startWall).TotalSeconds,7:0.000}s]");

    public static void Say(string text) => Say(Now, text);

    public static void Say(DateTimeOffset at, string text)
    {
        GC.KeepAlive(s_flusher);
        lock (s_gate)
        {
            s_pending.Add((at, s_order++, $"{Stamp(at)} {text}"));
        }
    }

    /// <summary>A line without a timestamp (headers, summary), after everything said so far.</summary>
    public static void Plain(string text)
    {
        lock (s_gate)
        {
            Flush(DateTimeOffset.MaxValue);
            Console.WriteLine(text);
        }
    }

    /// <summary>Prints everything pending.</summary>
    public static void Flush() => Flush(DateTimeOffset.MaxValue);

    private static void Flush(DateTimeOffset upTo)
    {
        lock (s_gate)
        {
            var due = s_pending.Where(p => p.At <= upTo).OrderBy(p => p.At).ThenBy(p => p.Order).ToList();
            foreach (var p in due)
            {
                Console.WriteLine(p.Text);
            }

            s_pending.RemoveAll(p => p.At <= upTo);
        }
    }

    public static string Ms(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:0} ms");

    public static string Probes(long n) => n == 1 ? "1 probe" : $"{n} probes";
}
