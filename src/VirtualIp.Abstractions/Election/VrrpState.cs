namespace VirtualIp.Election;

/// <summary>
/// The state of a VRRP virtual router (RFC 9568 section 6.4; RFC 9568 calls Master "Active"; we use keepalived's names).
/// </summary>
public enum VrrpState
{
    /// <summary>Not started, or stopped: sends nothing, ignores adverts, holds no VIPs.</summary>
    Initialize = 0,

    /// <summary>Listening for the master's adverts; takes over when they stop.</summary>
    Backup = 1,

    /// <summary>Owns the VIPs and sends adverts.</summary>
    Master = 2,

    /// <summary>Tracking reported a fault or the link is down: sends nothing, holds no VIPs.</summary>
    Fault = 3,
}

/// <summary>Why a virtual router changed state.</summary>
public enum VrrpTransitionReason
{
    /// <summary>The router started (Initialize → Backup, or → Master for the address owner, priority 255).</summary>
    Startup,

    /// <summary>No advert arrived within Master_Down_Interval: the master is presumed dead.</summary>
    MasterDownTimer,

    /// <summary>A master saw an advert with a higher priority (or the same priority from a higher address).</summary>
    HigherPriorityAdvert,

    /// <summary>The master announced it is leaving (priority 0) and this backup took over after Skew_Time.</summary>
    PriorityZeroReceived,

    /// <summary>This backup had a higher priority than the master, ignored its adverts (preemption) and took over.</summary>
    Preempted,

    /// <summary>Tracking (health checks, scripts, the application) reported a fault.</summary>
    TrackingFault,

    /// <summary>Tracking recovered from a fault.</summary>
    TrackingRecovered,

    /// <summary>The interface lost its link.</summary>
    LinkDown,

    /// <summary>The interface got its link back.</summary>
    LinkUp,

    /// <summary>The router was stopped (StopAsync or dispose).</summary>
    Shutdown,

    /// <summary>Another member of the router's sync group changed state and this one followed.</summary>
    SyncGroup,

    /// <summary>An operator acted through the runtime control (resign, maintenance, forced takeover); the detail says who and why.</summary>
    Administrative,
}
