using System.Globalization;

namespace VirtualIp.Health.Load;

/// <summary>Parsers of the procfs load files; they never throw on bad text.</summary>
internal static class ProcLoadParser
{
    /// <summary>"some avg10=1.23 avg60=… total=4406044608" (the <c>some</c> line of a PSI file such as <c>/proc/pressure/cpu</c>) → 4406044608 µs.</summary>
    public static bool TryParsePressureSomeTotal(string? text, out long totalMicroseconds)
    {
        totalMicroseconds = 0;
        foreach (var line in (text ?? "").Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || fields[0] != "some")
            {
                continue;
            }

            foreach (var f in fields.AsSpan(1))
            {
                if (f.StartsWith("total=", StringComparison.Ordinal))
                {
                    return long.TryParse(f.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out totalMicroseconds);
                }
            }
        }

        return false;
    }

    /// <summary>The cgroup v2 path of a process: the "0::/path" line of <c>/proc/PID/cgroup</c>.</summary>
    public static bool TryParseCgroupV2Path(string? text, out string path)
    {
        foreach (var line in (text ?? "").Split('\n'))
        {
            if (line.StartsWith("0::/", StringComparison.Ordinal) && !line.Contains("..", StringComparison.Ordinal))
            {
                path = line[3..].TrimEnd();
                return true;
            }
        }

        path = "";
        return false;
    }

    /// <summary>Where cgroup v2 is mounted: the mount point of the <c>cgroup2</c> line of <c>/proc/self/mountinfo</c>.</summary>
    public static bool TryParseCgroup2Mount(string? mountInfo, out string mountPoint)
    {
        foreach (var line in (mountInfo ?? "").Split('\n'))
        {
            var fields = line.Split(' ');
            int dash = Array.IndexOf(fields, "-");
            if (dash >= 5 && dash + 1 < fields.Length && fields[dash + 1] == "cgroup2" && fields[4].StartsWith('/'))
            {
                mountPoint = fields[4].Replace("\\040", " ", StringComparison.Ordinal);
                return true;
            }
        }

        mountPoint = "";
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
