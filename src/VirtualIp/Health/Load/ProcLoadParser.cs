using System.Globalization;

namespace VirtualIp.Health.Load;

/// <summary>Parsers of the procfs load files; they never throw on bad text.</summary>
internal static class ProcLoadParser
{
    /// <summary>"some avg10=1.23 avg60=… total=…" (the <c>some</c> line of <c>/proc/pressure/cpu</c>) → 1.23.</summary>
    public static bool TryParsePressureSomeAvg10(string? text, out double percent)
    {
        percent = 0;
        foreach (var line in (text ?? "").Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || fields[0] != "some")
            {
                continue;
            }

            foreach (var f in fields.AsSpan(1))
            {
                if (f.StartsWith("avg10=", StringComparison.Ordinal))
                {
                    return double.TryParse(f.AsSpan(6), NumberStyles.Float, CultureInfo.InvariantCulture, out percent) && double.IsFinite(percent) && percent >= 0;
                }
            }
        }

        return false;
    }

    /// <summary>"0.52 0.58 0.59 1/467 12345" (<c>/proc/loadavg</c>) → 0.52, the 1-minute average.</summary>
    public static bool TryParseLoadAverage(string? text, out double load)
    {
        load = 0;
        var first = (text ?? "").Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return first.Length > 0 && double.TryParse(first[0], NumberStyles.Float, CultureInfo.InvariantCulture, out load) && double.IsFinite(load) && load >= 0;
    }

    /// <summary>"2918865 551010 1" (<c>/proc/PID/task/TID/schedstat</c>: run ns, run-queue wait ns, slices) → 551010.</summary>
    public static bool TryParseSchedstatWait(string? text, out long waitNanoseconds)
    {
        waitNanoseconds = 0;
        var fields = (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return fields.Length >= 2 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out waitNanoseconds);
    }
}
