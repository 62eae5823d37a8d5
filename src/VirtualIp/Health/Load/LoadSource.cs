namespace VirtualIp.Health.Load;

/// <summary>What a load track samples (<see cref="LoadTrackOptions.Source"/>).</summary>
public enum LoadSource
{
    /// <summary>
    /// CPU pressure in percent: the share of the sample interval during which tasks waited for a CPU (PSI "some"), of the
    /// machine, of this process's cgroup, or of this process (<see cref="LoadTrackOptions.Scope"/>).
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
    /// <summary>The whole machine: <c>/proc/pressure/cpu</c>, "some" (Linux 4.20+ with PSI enabled). The default.</summary>
    System,

    /// <summary>
    /// This process only: the time its threads spent runnable but waiting for a CPU (<c>/proc/self/task/*/schedstat</c>)
    /// per wall-clock time between two samples, in percent (PSI as the process sees it; above 100 when several threads
    /// wait at once). It only sees contention while the process itself has work to run: a mostly idle VRRP host barely
    /// waits even on a saturated CPU (the scheduler favours tasks that wake from sleep).
    /// </summary>
    Process,

    /// <summary>
    /// This process's cgroup v2 (its container or systemd service, with the workload that shares it): the "some" line of
    /// the cgroup's <c>cpu.pressure</c>, found through <c>/proc/self/cgroup</c> and the cgroup2 mount. For nodes that
    /// share a kernel (containers, namespaces on one machine), where the machine's pressure is the same for all.
    /// </summary>
    Cgroup,
}
