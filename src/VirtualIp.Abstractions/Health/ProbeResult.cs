namespace VirtualIp.Health;

/// <summary>The outcome of one probe: healthy or not, why, and how long it took.</summary>
public readonly struct ProbeResult : IEquatable<ProbeResult>
{
    /// <summary>Creates a result.</summary>
    /// <param name="healthy">True when the target is healthy.</param>
    /// <param name="reason">Why; use a <see cref="ProbeReasons"/> constant where possible so nothing is allocated.</param>
    /// <param name="duration">How long the probe took (the monitor fills it in).</param>
    public ProbeResult(bool healthy, string? reason, TimeSpan duration = default)
    {
        Healthy = healthy;
        Reason = reason ?? (healthy ? ProbeReasons.Ok : ProbeReasons.Failed);
        Duration = duration;
    }

    /// <summary>A healthy result with reason <see cref="ProbeReasons.Ok"/>.</summary>
    public static ProbeResult Success => new(true, ProbeReasons.Ok);

    /// <summary>True when the target is healthy.</summary>
    public bool Healthy { get; }

    /// <summary>Why the probe passed or failed, never null.</summary>
    public string Reason => field ?? (Healthy ? ProbeReasons.Ok : ProbeReasons.Failed);

    /// <summary>How long the probe took.</summary>
    public TimeSpan Duration { get; }

    /// <summary>A failed result.</summary>
    /// <param name="reason">Why; prefer a <see cref="ProbeReasons"/> constant.</param>
    public static ProbeResult Failure(string reason) => new(false, reason);

    /// <summary>A healthy result with a custom reason.</summary>
    /// <param name="reason">Why.</param>
    public static ProbeResult Pass(string reason) => new(true, reason);

    /// <summary>This result with <see cref="Duration"/> replaced.</summary>
    /// <param name="duration">The measured duration.</param>
    public ProbeResult WithDuration(TimeSpan duration) => new(Healthy, Reason, duration);

    /// <inheritdoc />
    public bool Equals(ProbeResult other) =>
        Healthy == other.Healthy && Duration == other.Duration && string.Equals(Reason, other.Reason, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ProbeResult other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Healthy, Duration, StringComparer.Ordinal.GetHashCode(Reason));

    /// <inheritdoc />
    public override string ToString() => $"{(Healthy ? "healthy" : "unhealthy")} ({Reason}, {Duration.TotalMilliseconds:0.###} ms)";

    /// <summary>Compares two results.</summary>
    public static bool operator ==(ProbeResult left, ProbeResult right) => left.Equals(right);

    /// <summary>Compares two results.</summary>
    public static bool operator !=(ProbeResult left, ProbeResult right) => !left.Equals(right);
}

/// <summary>Reason strings shared by the built-in probes, so results allocate nothing.</summary>
public static class ProbeReasons
{
    /// <summary>The probe passed.</summary>
    public const string Ok = "ok";
    /// <summary>The probe failed without a more precise reason.</summary>
    public const string Failed = "failed";
    /// <summary>The probe did not finish within the check timeout.</summary>
    public const string Timeout = "timeout";
    /// <summary>The previous run of this probe was still running when the next one was due.</summary>
    public const string StillRunning = "previous probe still running";
    /// <summary>The TCP connection was refused (RST).</summary>
    public const string ConnectionRefused = "connection refused";
    /// <summary>The connection was reset.</summary>
    public const string ConnectionReset = "connection reset";
    /// <summary>The host or network is unreachable.</summary>
    public const string Unreachable = "unreachable";
    /// <summary>The host name could not be resolved.</summary>
    public const string HostNotFound = "host not found";
    /// <summary>Another socket error.</summary>
    public const string SocketError = "socket error";
    /// <summary>The HTTP status code was outside the expected range.</summary>
    public const string UnexpectedStatus = "unexpected HTTP status";
    /// <summary>The HTTP body did not contain the expected text.</summary>
    public const string BodyMismatch = "body did not match";
    /// <summary>The HTTP request failed.</summary>
    public const string HttpError = "HTTP request failed";
    /// <summary>The ICMP echo got no reply or an error reply.</summary>
    public const string NoEchoReply = "no echo reply";
    /// <summary>The command exited with a non-zero code.</summary>
    public const string NonZeroExit = "non-zero exit code";
    /// <summary>The command could not be started.</summary>
    public const string StartFailed = "could not start command";
    /// <summary>An ASP.NET health check reported Degraded.</summary>
    public const string Degraded = "degraded";
    /// <summary>An ASP.NET health check reported Unhealthy.</summary>
    public const string Unhealthy = "unhealthy";
    /// <summary>The probe threw an unexpected exception.</summary>
    public const string Exception = "probe threw an exception";
}
