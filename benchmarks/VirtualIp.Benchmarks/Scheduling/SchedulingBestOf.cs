using System.Diagnostics;
using System.Globalization;
using System.Net;
using VirtualIp.Balancing.Scheduling;
using VirtualIp.Scheduling;

namespace VirtualIp.Benchmarks.Scheduling;

/// <summary>
/// A quick best-of loop (no BenchmarkDotNet) comparing the tuned Maglev build and P2C pick with their pre-tuning
/// versions, interleaved so both see the same machine load. Call from a scratch console or a test.
/// </summary>
public static class SchedulingBestOf
{
    /// <summary>Runs the loops and returns one line per figure.</summary>
    /// <param name="rounds">Rounds of each measurement (best is kept).</param>
    public static IReadOnlyList<string> Run(int rounds = 40)
    {
        var lines = new List<string>();
        foreach (int n in new[] { 100, 1000 })
        {
            var backends = Enumerable.Range(0, n).Select(i => new Backend(new IPEndPoint(IPAddress.Loopback, 20000 + i))).ToArray();
            double legacy = double.MaxValue, current = double.MaxValue;
            for (int r = 0; r < rounds; r++)
            {
                long t0 = Stopwatch.GetTimestamp();
                LegacyMaglev.BuildTable(backends, 65537);
                legacy = Math.Min(legacy, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                t0 = Stopwatch.GetTimestamp();
                MaglevScheduler.BuildTable<ushort>(backends, 65537);
                current = Math.Min(current, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }

            lines.Add(string.Create(CultureInfo.InvariantCulture, $"maglev build 65537 x {n}: legacy best {legacy:F3} ms, current best {current:F3} ms"));
        }

        var set = new BackendSet(Enumerable.Range(0, 100).Select(i => new Backend(new IPEndPoint(IPAddress.Loopback, 20000 + i), (i % 3) + 1)));
        var old = new LegacyPowerOfTwoChoices();
        old.Update(set);
        IBackendScheduler now = new BackendSchedulerFactory().Create(BackendSchedulerNames.PowerOfTwoChoices);
        now.Update(set);
        double lp = double.MaxValue, cp = double.MaxValue;
        const int Picks = 1_000_000;
        for (int r = 0; r < rounds; r++)
        {
            lp = Math.Min(lp, Time(old, Picks));
            cp = Math.Min(cp, Time(now, Picks));
        }

        lines.Add(string.Create(CultureInfo.InvariantCulture, $"p2c pick x 100: legacy best {lp:F2} ns, current best {cp:F2} ns"));
        return lines;

        static double Time(IBackendScheduler s, int picks)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < picks; i++)
            {
                s.Pick(default);
            }

            return Stopwatch.GetElapsedTime(t0).TotalNanoseconds / picks;
        }
    }
}
