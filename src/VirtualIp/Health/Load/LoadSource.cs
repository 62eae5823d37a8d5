namespace VirtualIp.Health.Load;

/// <summary>What a load track samples (<see cref="LoadTrackOptions.Source"/>).</summary>
public enum LoadSource
{
    /// <summary>
    /// CPU pressure in percent: the share of time tasks wait for a CPU. <see cref="LoadScope.System"/>: the kernel's PSI
    /// "some avg10" of <c>/proc/pressure/cpu</c>; <see cref="LoadScope.Process"/>: this process's run-queue wait.
    /// </summary>
    CpuPressure,

    /// <summary>The 1-minute load average of <c>/proc/loadavg</c> divided by the number of CPUs (1.0 = every core busy).</summary>
    LoadAverage,

    /// <summary>The active connections of the forwarder named by <see cref="LoadTrackOptions.Forwarder"/> (VirtualIp.Balancing).</summary>
    Connections,
}

/// <summary>Whose CPU pressure <see cref="LoadSource.CpuPressure"/> measures (<see cref="LoadTrackOptions.Scope"/>).</summary>
public enum LoadScope
{
    /// <summary>The whole machine: <c>/proc/pressure/cpu</c>, "some avg10" (Linux 4.20+ with PSI enabled). The default.</summary>
    System,

    /// <summary>
    /// This process only: the time its threads spent runnable but waiting for a CPU (<c>/proc/self/task/*/schedstat</c>)
    /// per wall-clock time between two samples, in percent (PSI as the process sees it; above 100 when several threads
    /// wait at once). For nodes that share a kernel (containers, namespaces) or when only this process's CPUs matter.
    /// </summary>
    Process,
}
