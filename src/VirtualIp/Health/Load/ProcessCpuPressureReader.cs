namespace VirtualIp.Health.Load;

/// <summary>
/// <see cref="LoadScope.Process"/> CPU pressure: the run-queue wait of this process's threads
/// (<c>/proc/self/task/*/schedstat</c>, second field) accumulated since the previous reading, per wall-clock time, in
/// percent. The first reading only sets the baseline (no value). Threads that ended since the previous reading are
/// left out; threads that started count from 0.
/// </summary>
internal sealed class ProcessCpuPressureReader(TimeProvider time, Func<IReadOnlyDictionary<int, long>>? readWaits = null) : ILoadReader
{
    private readonly Func<IReadOnlyDictionary<int, long>> _readWaits = readWaits ?? ReadThreadWaits;
    private IReadOnlyDictionary<int, long>? _previous;
    private long _previousAt;

    public bool TryRead(out double value)
    {
        value = 0;
        var now = time.GetTimestamp();
        var waits = _readWaits();
        if (waits.Count == 0)
        {
            return false;
        }

        var previous = _previous;
        var elapsed = previous is null ? TimeSpan.Zero : time.GetElapsedTime(_previousAt, now);
        _previous = waits;
        _previousAt = now;
        if (previous is null || elapsed <= TimeSpan.Zero)
        {
            return false;
        }

        long waited = 0;
        foreach (var (tid, wait) in waits)
        {
            waited += Math.Max(0, wait - previous.GetValueOrDefault(tid));
        }

        value = waited / (elapsed.Ticks * 100.0) * 100; // ns / (ticks * 100 ns) → fraction; × 100 → percent
        return true;
    }

    /// <summary>Run-queue wait (ns) per thread id of this process.</summary>
    internal static IReadOnlyDictionary<int, long> ReadThreadWaits()
    {
        var waits = new Dictionary<int, long>();
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories("/proc/self/task");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return waits;
        }

        foreach (var dir in tasks)
        {
            if (int.TryParse(Path.GetFileName(dir), out int tid) &&
                ProcLoadParser.TryParseSchedstatWait(ProcFile.TryReadAllText(Path.Combine(dir, "schedstat")), out long wait))
            {
                waits[tid] = wait;
            }
        }

        return waits;
    }
}
