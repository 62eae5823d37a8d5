using VirtualIp.Scheduling;

namespace VirtualIp.Balancing;

/// <summary>The transport a forwarder relays.</summary>
public enum ForwarderProtocol
{
    /// <summary>TCP: one backend connection per client connection, bytes pumped both ways, half-close propagated.</summary>
    Tcp,

    /// <summary>UDP: datagrams of one client address go to one backend (affinity) until the session idles out.</summary>
    Udp,
}

/// <summary>One backend of a forwarder.</summary>
public sealed class ForwarderBackendOptions
{
    /// <summary>"ADDR:PORT" or "HOST:PORT" ("[2001:db8::1]:80" for IPv6). Host names are resolved once at start.</summary>
    public string Address { get; set; } = "";

    /// <summary>Relative share of traffic, 1 to <see cref="Backend.MaxWeight"/>. Default 1.</summary>
    public int Weight { get; set; } = 1;

    /// <summary>Stable name for consistent hashing; defaults to <see cref="Address"/>.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// Where the active TCP check connects, "HOST:PORT"; null (default) checks <see cref="Address"/> itself.
    /// See <see cref="ForwarderOptions.HealthCheck"/>.
    /// </summary>
    public string? HealthCheckAddress { get; set; }
}

/// <summary>Settings of an L4 forwarder (TCP or UDP) in front of a set of backends.</summary>
public sealed class ForwarderOptions
{
    /// <summary>Name used in logs and as the <c>virtualip.forwarder.name</c> metric tag. Default "default".</summary>
    public string Name { get; set; } = "default";

    /// <summary>TCP (default) or UDP.</summary>
    public ForwarderProtocol Protocol { get; set; } = ForwarderProtocol.Tcp;

    /// <summary>Where to listen, "ADDR:PORT" (e.g. "192.0.2.100:80", "[::]:443"; port 0 picks a free port).</summary>
    public string Listen { get; set; } = "";

    /// <summary>The backends (at least one).</summary>
    public IList<ForwarderBackendOptions> Backends { get; } = [];

    /// <summary>Scheduler name (see <see cref="BackendSchedulerNames"/>). Default round robin.</summary>
    public string Scheduler { get; set; } = BackendSchedulerNames.RoundRobin;

    /// <summary>How long one backend connection attempt may take. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Backends tried per client connection before giving up (1 to 16). Default 3.</summary>
    public int MaxConnectAttempts { get; set; } = 3;

    /// <summary>Most client connections (TCP) or sessions (UDP) at once; more are closed at once. Default 10,000.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Buffer size per direction of a TCP connection, pooled (1 KiB to 1 MiB). Default 64 KiB.</summary>
    public int BufferSize { get; set; } = 64 * 1024;

    /// <summary>Listen backlog. Default 1024.</summary>
    public int Backlog { get; set; } = 1024;

    /// <summary>
    /// Bind <see cref="Listen"/> with IP_FREEBIND / IPV6_FREEBIND (Linux): the address need not be on this node yet,
    /// so a backup of a floating VIP listens on it and serves the instant the VIP arrives. Default false; set by
    /// <c>AddFloatingVip(...).WithForwarder(...)</c>.
    /// </summary>
    public bool FreeBind { get; set; }

    /// <summary>How long a stop or a backend drain waits for connections to end before closing them. Default 30 s.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Source CIDRs allowed ("198.51.100.0/24", "2001:db8::/32", or a bare address). Empty allows all.</summary>
    public IList<string> AllowedSources { get; } = [];

    /// <summary>Source CIDRs denied; deny wins over allow. Denied clients are closed at once and counted.</summary>
    public IList<string> DeniedSources { get; } = [];

    /// <summary>Connection failures within <see cref="PassiveHealthWindow"/> that mark a backend down; 0 disables. Default 3.</summary>
    public int PassiveHealthFailureThreshold { get; set; } = 3;

    /// <summary>The window in which failures are counted. Default 10 s.</summary>
    public TimeSpan PassiveHealthWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a backend marked down by passive health stays down. Default 30 s.</summary>
    public TimeSpan PassiveHealthReactivation { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Active TCP connect checks of the backends (run when an <c>IHealthMonitor</c> is registered).</summary>
    public ForwarderHealthCheckOptions HealthCheck { get; } = new();

    /// <summary>UDP: a session with no datagram either way for this long ends. Default 60 s.</summary>
    public TimeSpan UdpIdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// TCP: a connection on which no byte moves either way (received or sent, client or backend side) for this long is
    /// closed; a client or backend that stops reading is cut the same way. Like HAProxy's <c>timeout client</c> /
    /// <c>timeout server</c> (50 s in HAProxy's sample configuration). Default 50 s.
    /// </summary>
    public TimeSpan TcpIdleTimeout { get; set; } = TimeSpan.FromSeconds(50);

    /// <summary>
    /// TCP: when true (default) no backend is touched until the client has sent its first byte, and a client that sends
    /// nothing within <see cref="TcpFirstByteTimeout"/> is closed (what TCP_DEFER_ACCEPT gives HAProxy). Set false for
    /// protocols where the server speaks first (SMTP, SSH, FTP, MySQL); the backend is then connected at once.
    /// </summary>
    public bool TcpWaitForClientData { get; set; } = true;

    /// <summary>TCP: how long a new client may take to send its first byte (see <see cref="TcpWaitForClientData"/>). Default 5 s.</summary>
    public TimeSpan TcpFirstByteTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// TCP: once one side has half-closed (sent FIN), the connection is closed when no byte moves for this long
    /// (HAProxy's <c>timeout client-fin</c> / <c>timeout server-fin</c>). Default 10 s.
    /// </summary>
    public TimeSpan TcpHalfCloseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// TCP: most connections open at once from one source address (IPv6 sources count per /64); 0 disables. Default
    /// 1,000 (a tenth of <see cref="MaxConnections"/>, so one source cannot take the whole limit).
    /// </summary>
    public int TcpMaxConnectionsPerSource { get; set; } = 1_000;

    /// <summary>
    /// TCP: new connections per second allowed from one source address (IPv6: per /64), a token bucket holding
    /// <see cref="TcpConnectionRateBurstPerSource"/> tokens; 0 disables. Default 0 (off: NAT gateways and load
    /// generators legitimately open thousands per second).
    /// </summary>
    public double TcpConnectionRatePerSource { get; set; }

    /// <summary>TCP: the burst of the per-source token bucket (see <see cref="TcpConnectionRatePerSource"/>). Default 100.</summary>
    public int TcpConnectionRateBurstPerSource { get; set; } = 100;

    /// <summary>
    /// TCP: which engine moves the bytes. <see cref="ForwarderTcpEngine.Auto"/> (default) is
    /// <see cref="ForwarderTcpEngine.Epoll"/> on Linux (the forwarder's own event loops) and
    /// <see cref="ForwarderTcpEngine.Sockets"/> (.NET sockets) elsewhere, unless the environment variable
    /// <c>VIRTUALIP_FORWARDER_TCP_ENGINE</c> names one. See docs/benchmarks.md for the figures of each.
    /// </summary>
    public ForwarderTcpEngine TcpEngine { get; set; }

    /// <summary>Values from configuration that did not parse, with their keys (reported by <see cref="Validate"/>).</summary>
    internal List<string> ReadErrors { get; } = [];
    /// <summary>UDP abuse limits: sessions per source, new-session rate (the global cap is <see cref="MaxConnections"/>).</summary>
    public ForwarderUdpOptions Udp { get; } = new();

    /// <summary>Every problem with these options, each naming the bad value; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(ReadErrors);
        if (!ForwarderEndPoints.TryParseListen(Listen, out _))
        {
            errors.Add($"{nameof(Listen)} '{Listen}' is not ADDR:PORT (e.g. 127.0.0.1:8080 or [::]:443).");
        }

        if (Backends.Count == 0)
        {
            errors.Add($"{nameof(Backends)} is empty; give at least one HOST:PORT.");
        }

        for (int i = 0; i < Backends.Count; i++)
        {
            var b = Backends[i];
            if (b is null || !ForwarderEndPoints.TrySplitHostPort(b.Address, out _, out _))
            {
                errors.Add($"{nameof(Backends)}[{i}] address '{b?.Address}' is not HOST:PORT.");
            }
            else if (b.HealthCheckAddress is not null && !ForwarderEndPoints.TrySplitHostPort(b.HealthCheckAddress, out _, out _))
            {
                errors.Add($"{nameof(Backends)}[{i}] ({b.Address}) health check address '{b.HealthCheckAddress}' is not HOST:PORT.");
            }
            else if (b.Weight < 1 || b.Weight > Backend.MaxWeight)
            {
                errors.Add($"{nameof(Backends)}[{i}] ({b.Address}) weight {b.Weight} is not 1 to {Backend.MaxWeight}.");
            }
        }

        if (string.IsNullOrWhiteSpace(Scheduler))
        {
            errors.Add($"{nameof(Scheduler)} is empty.");
        }

        CheckPositive(errors, nameof(ConnectTimeout), ConnectTimeout);
        CheckPositive(errors, nameof(DrainTimeout), DrainTimeout, allowZero: true);
        CheckPositive(errors, nameof(PassiveHealthWindow), PassiveHealthWindow);
        CheckPositive(errors, nameof(PassiveHealthReactivation), PassiveHealthReactivation);
        CheckPositive(errors, nameof(UdpIdleTimeout), UdpIdleTimeout);
        CheckPositive(errors, nameof(TcpIdleTimeout), TcpIdleTimeout);
        CheckPositive(errors, nameof(TcpFirstByteTimeout), TcpFirstByteTimeout);
        CheckPositive(errors, nameof(TcpHalfCloseTimeout), TcpHalfCloseTimeout);
        if (TcpMaxConnectionsPerSource < 0)
        {
            errors.Add($"{nameof(TcpMaxConnectionsPerSource)} {TcpMaxConnectionsPerSource} must be 0 (off) or more.");
        }

        if (!(TcpConnectionRatePerSource >= 0) || double.IsInfinity(TcpConnectionRatePerSource))
        {
            errors.Add($"{nameof(TcpConnectionRatePerSource)} {TcpConnectionRatePerSource} must be 0 (off) or a finite positive rate.");
        }

        if (TcpConnectionRateBurstPerSource < 1)
        {
            errors.Add($"{nameof(TcpConnectionRateBurstPerSource)} {TcpConnectionRateBurstPerSource} must be at least 1.");
        }
        if (!Enum.IsDefined(TcpEngine))
        {
            errors.Add($"{nameof(TcpEngine)} {TcpEngine} is not Auto, Sockets or Epoll.");
        }
        else if (TcpEngine == ForwarderTcpEngine.Epoll && !OperatingSystem.IsLinux())
        {
            errors.Add($"{nameof(TcpEngine)} Epoll needs Linux; use Auto or Sockets on this OS.");
        }

        if (MaxConnectAttempts is < 1 or > 16)
        {
            errors.Add($"{nameof(MaxConnectAttempts)} {MaxConnectAttempts} is not 1 to 16.");
        }

        if (MaxConnections < 1)
        {
            errors.Add($"{nameof(MaxConnections)} {MaxConnections} must be at least 1.");
        }

        if (BufferSize is < 1024 or > 1024 * 1024)
        {
            errors.Add($"{nameof(BufferSize)} {BufferSize} is not 1024 to 1048576.");
        }

        if (Backlog < 1)
        {
            errors.Add($"{nameof(Backlog)} {Backlog} must be at least 1.");
        }

        HealthCheck.Validate(errors);
        Udp.Validate(errors);
        if (PassiveHealthFailureThreshold < 0)
        {
            errors.Add($"{nameof(PassiveHealthFailureThreshold)} {PassiveHealthFailureThreshold} must be 0 (off) or more.");
        }

        foreach (var (list, name) in new[] { (AllowedSources, nameof(AllowedSources)), (DeniedSources, nameof(DeniedSources)) })
        {
            foreach (var cidr in list)
            {
                if (!Cidr.TryParse(cidr, out _, out string? error))
                {
                    errors.Add($"{name} entry {error}");
                }
            }
        }

        return errors;
    }

    private static void CheckPositive(List<string> errors, string name, TimeSpan value, bool allowZero = false)
    {
        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero) || value == Timeout.InfiniteTimeSpan)
        {
            errors.Add($"{name} {value} must be {(allowZero ? "zero or more" : "more than zero")}.");
        }
    }
}
