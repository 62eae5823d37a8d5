namespace VirtualIp.Balancing.Forwarding;

/// <summary>Why a TCP client was closed without being served (the <c>reason</c> tag of <c>virtualip.forwarder.refused</c>).</summary>
internal enum TcpRefusal
{
    /// <summary>The source ACL denied the client.</summary>
    Acl,

    /// <summary>The forwarder's <see cref="ForwarderOptions.MaxConnections"/> was reached.</summary>
    Limit,

    /// <summary>The source already holds <see cref="ForwarderOptions.TcpMaxConnectionsPerSource"/> connections.</summary>
    SourceLimit,

    /// <summary>The source opened connections faster than <see cref="ForwarderOptions.TcpConnectionRatePerSource"/>.</summary>
    SourceRate,

    /// <summary>The client sent nothing within <see cref="ForwarderOptions.TcpFirstByteTimeout"/>.</summary>
    FirstByteTimeout,

    /// <summary>The client closed before sending anything.</summary>
    ClientGone,

    /// <summary>No backend accepted the connection.</summary>
    NoBackend,

    /// <summary>This host ran out of descriptors, ports or buffers (<see cref="SocketErrorClassifier"/>); no backend is blamed.</summary>
    LocalResources,

    /// <summary>The forwarder is stopping.</summary>
    Stopping,
}

/// <summary>
/// Metric tag values of <see cref="TcpRefusal"/> (constant strings: recording allocates nothing): the shared
/// <see cref="RefusalReasons"/> where TCP and UDP mean the same thing, plus the TCP-only reasons.
/// </summary>
internal static class TcpRefusalNames
{
    /// <summary>The client sent nothing within the first-byte timeout.</summary>
    public const string FirstByteTimeout = "first_byte_timeout";

    /// <summary>The client closed before sending anything.</summary>
    public const string ClientGone = "client_gone";

    /// <summary>The forwarder was stopping.</summary>
    public const string Stopping = "stopping";

    public static string Tag(TcpRefusal reason) => reason switch
    {
        TcpRefusal.Acl => RefusalReasons.Acl,
        TcpRefusal.Limit => RefusalReasons.SessionLimit,
        TcpRefusal.SourceLimit => RefusalReasons.SourceSessionLimit,
        TcpRefusal.SourceRate => RefusalReasons.RateLimit,
        TcpRefusal.FirstByteTimeout => FirstByteTimeout,
        TcpRefusal.ClientGone => ClientGone,
        TcpRefusal.NoBackend => RefusalReasons.NoBackend,
        TcpRefusal.LocalResources => RefusalReasons.LocalError,
        _ => Stopping,
    };
}
