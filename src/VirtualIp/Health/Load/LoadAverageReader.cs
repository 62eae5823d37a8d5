namespace VirtualIp.Health.Load;

/// <summary>The 1-minute load average of <c>/proc/loadavg</c> per CPU this process may run on.</summary>
internal sealed class LoadAverageReader(Func<string?>? read = null, int? processors = null) : ILoadReader
{
    private readonly Func<string?> _read = read ?? (static () => ProcFile.TryReadAllText("/proc/loadavg"));
    private readonly int _processors = Math.Max(1, processors ?? Environment.ProcessorCount);

    public bool TryRead(out double value)
    {
        if (ProcLoadParser.TryParseLoadAverage(_read(), out var load))
        {
            value = load / _processors;
            return true;
        }

        value = 0;
        return false;
    }
}
