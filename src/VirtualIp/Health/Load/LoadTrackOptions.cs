namespace VirtualIp.Health.Load;

/// <summary>
/// Load-aware floating: a load reading that moves a virtual router's priority, so the VIP floats to the node with the
/// lighter load. Bound from <c>VirtualIp:Routers:N:TrackLoad:M</c>. The track is "loaded" once the reading has been at
/// or above <see cref="High"/> for <see cref="Samples"/> samples in a row, and "normal" again once it has been at or
/// below <see cref="Low"/> as long; after a change the state is kept at least <see cref="HoldTime"/>, so a load
/// fluctuating around a threshold never moves the VIP back and forth. While loaded the track counts as a tracked item
/// that is down (keepalived weights: a negative <see cref="Weight"/> is subtracted while loaded, a positive one is added
/// while normal).
/// </summary>
public sealed class LoadTrackOptions
{
    /// <summary>The router whose priority moves (set by the reader from the router's section). Required.</summary>
    public string Router { get; set; } = "";

    /// <summary>What is sampled (default <see cref="LoadSource.CpuPressure"/>).</summary>
    public LoadSource Source { get; set; } = LoadSource.CpuPressure;

    /// <summary><see cref="LoadSource.CpuPressure"/> only: the machine's pressure, this process's cgroup's, or this process's (default <see cref="LoadScope.System"/>).</summary>
    public LoadScope Scope { get; set; } = LoadScope.System;

    /// <summary><see cref="LoadSource.Connections"/> only: the forwarder's name (<c>AddVirtualIpForwarder</c>). Required there.</summary>
    public string? Forwarder { get; set; }

    /// <summary>
    /// The reading at or above which the track becomes loaded, in the source's unit: percent for CpuPressure, load per
    /// CPU for LoadAverage, connections for Connections. Required, greater than <see cref="Low"/>.
    /// </summary>
    public double High { get; set; }

    /// <summary>The reading at or below which a loaded track is normal again (the lower edge of the hysteresis band). At least 0.</summary>
    public double Low { get; set; }

    /// <summary>Priority delta, -253 to 253, not 0: negative = subtracted while loaded, positive = added while normal (default -50).</summary>
    public int Weight { get; set; } = -50;

    /// <summary>The shortest time a state is kept after a change (default 60 s; 0 to 1 h). The VIP never moves more often than this.</summary>
    public TimeSpan HoldTime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the source is read (default 2 s; 100 ms to 10 min).</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Consecutive samples beyond a threshold that change the state (default 3; 1 to 100).</summary>
    public int Samples { get; set; } = 3;
}
