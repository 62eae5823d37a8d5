using System.Diagnostics;
using System.Globalization;

namespace VirtualIp.Demo;

/// <summary>Prints the story, one line per step, stamped with the time since the demo started.</summary>
internal static class Narrator
{
    private static readonly Lock s_gate = new();
    private static readonly DateTimeOffset s_startWall = DateTimeOffset.UtcNow;
    private static readonly long s_startTicks = Stopwatch.GetTimestamp();

    /// <summary>Now, on the wall clock (shared with the child processes, so their timestamps line up).</summary>
    public static DateTimeOffset Now => s_startWall + Stopwatch.GetElapsedTime(s_startTicks);

    public static string Stamp(DateTimeOffset at) =>
        string.Create(CultureInfo.InvariantCulture, $"[{(at - s_startWall).TotalSeconds,7:0.000}s]");

    public static void Say(string text) => Say(Now, text);

    public static void Say(DateTimeOffset at, string text)
    {
        lock (s_gate)
        {
            Console.WriteLine($"{Stamp(at)} {text}");
        }
    }

    /// <summary>A line without a timestamp (headers, summary).</summary>
    public static void Plain(string text)
    {
        lock (s_gate)
        {
            Console.WriteLine(text);
        }
    }

    public static string Ms(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:0} ms");
}
