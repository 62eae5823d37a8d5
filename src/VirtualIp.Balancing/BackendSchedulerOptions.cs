namespace VirtualIp.Balancing;

/// <summary>Settings of the built-in schedulers created by <see cref="VirtualIp.Scheduling.IBackendSchedulerFactory"/>.</summary>
public sealed class BackendSchedulerOptions
{
    /// <summary>Maglev lookup table size; must be a prime, ideally at least 100 times the number of backends. Default 65537.</summary>
    public int MaglevTableSize { get; set; } = 65537;
}
