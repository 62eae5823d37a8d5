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

    /// <summary>This host ran out of descriptors, ports or buffers (EMFILE, ENFILE, EADDRNOTAVAIL, ENOBUFS); no backend is blamed.</summary>
    LocalResources,

    /// <summary>The forwarder is stopping.</summary>
    Stopping,
}

/// <summary>Metric tag values of <see cref="TcpRefusal"/> (constant strings: recording allocates nothing).</summary>
internal static class TcpRefusalNames
{
    public static string Tag(TcpRefusal reason) => reason switch
    {
        TcpRefusal.Acl => "acl",
        TcpRefusal.Limit => "limit",
        TcpRefusal.SourceLimit => "source_limit",
        TcpRefusal.SourceRate => "source_rate",
        TcpRefusal.FirstByteTimeout => "first_byte_timeout",
        TcpRefusal.ClientGone => "client_gone",
        TcpRefusal.NoBackend => "no_backend",
        TcpRefusal.LocalResources => "local_resources",
        _ => "stopping",
    };
}
