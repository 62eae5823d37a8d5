namespace VirtualIp.Health.Load;

/// <summary>
/// CPU pressure from a PSI file (<see cref="LoadScope.System"/>: <c>/proc/pressure/cpu</c>; <see cref="LoadScope.Cgroup"/>:
/// the <c>cpu.pressure</c> of this process's cgroup v2): the growth of the "some" line's <c>total</c> (µs during which at
/// least one task waited for a CPU) since the previous reading, per wall-clock time, in percent — the share of the
/// sample interval under pressure, with no extra smoothing (the track's <c>Samples</c> and band do that). The first
/// reading only sets the baseline (no value); a file that moved (the process changed cgroup) starts a new baseline.
/// </summary>
internal sealed class PressureReader(TimeProvider time, Func<(string? Path, string? Text)> read) : ILoadReader
{
    private string? _path;
    private long _total;
    private long _at;

    /// <summary>The machine's pressure.</summary>
    public static PressureReader System(TimeProvider time) =>
        new(time, static () => ("/proc/pressure/cpu", ProcFile.TryReadAllText("/proc/pressure/cpu")));

    /// <summary>The pressure of the cgroup v2 this process is in (looked up at every reading: a move is followed).</summary>
    public static PressureReader Cgroup(TimeProvider time) => new(time, static () =>
    {
        if (!ProcLoadParser.TryParseCgroup2Mount(ProcFile.TryReadAllText("/proc/self/mountinfo"), out var mount) ||
            !ProcLoadParser.TryParseCgroupV2Path(ProcFile.TryReadAllText("/proc/self/cgroup"), out var path))
        {
            return (null, null);
        }

        string file = Path.Join(mount, path, "cpu.pressure");
        return (file, ProcFile.TryReadAllText(file));
    });

    public bool TryRead(out double value)
    {
        value = 0;
        var now = time.GetTimestamp();
        var (path, text) = read();
        if (path is null || !ProcLoadParser.TryParsePressureSomeTotal(text, out long total))
        {
            _path = null;
            return false;
        }

        bool baseline = _path != path || total < _total;
        var elapsed = time.GetElapsedTime(_at, now);
        long previous = _total;
        (_path, _total, _at) = (path, total, now);
        if (baseline || elapsed <= TimeSpan.Zero)
        {
            return false;
        }

        value = Math.Min(100, (total - previous) * 10 / (double)elapsed.Ticks * 100); // µs × 10 = ticks; × 100 → percent
        return true;
    }
}
