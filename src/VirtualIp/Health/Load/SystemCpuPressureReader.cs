namespace VirtualIp.Health.Load;

/// <summary><see cref="LoadScope.System"/> CPU pressure: PSI "some avg10" of <c>/proc/pressure/cpu</c>, in percent.</summary>
internal sealed class SystemCpuPressureReader(Func<string?>? read = null) : ILoadReader
{
    private readonly Func<string?> _read = read ?? (static () => ProcFile.TryReadAllText("/proc/pressure/cpu"));

    public bool TryRead(out double value) => ProcLoadParser.TryParsePressureSomeAvg10(_read(), out value);
}
