namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Values of the <c>reason</c> tag of <c>virtualip.forwarder.refused</c> (<see cref="ForwarderMetrics.Refused"/>):
/// why a client connection (TCP) or a datagram that needed a new session (UDP) was turned away.
/// </summary>
internal static class RefusalReasons
{
    /// <summary>The source ACL denied the client.</summary>
    public const string Acl = "acl";

    /// <summary>The forwarder holds its most sessions/connections (<c>MaxConnections</c>).</summary>
    public const string SessionLimit = "session_limit";

    /// <summary>The client's source IP holds its most sessions (<c>Udp.MaxSessionsPerSource</c>).</summary>
    public const string SourceSessionLimit = "source_session_limit";

    /// <summary>The client's source IP opened sessions faster than allowed (<c>Udp.NewSessionsPerSecondPerSource</c>).</summary>
    public const string RateLimit = "rate_limit";

    /// <summary>No backend was available or reachable.</summary>
    public const string NoBackend = "no_backend";

    /// <summary>This host ran out of something (handles, buffers, ports): see <see cref="SocketErrorClassifier"/>.</summary>
    public const string LocalError = "local_error";
}
