using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>A running L4 forwarder.</summary>
internal interface IForwarder : IAsyncDisposable
{
    /// <summary>The bound local endpoint (after <see cref="Start"/>).</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>Client connections (TCP) or sessions (UDP) open now.</summary>
    int ActiveConnections { get; }

    /// <summary>The scheduler (its backend set can be replaced while running).</summary>
    IBackendScheduler Scheduler { get; }

    /// <summary>Binds and starts accepting.</summary>
    void Start();

    /// <summary>Stops accepting, waits up to the drain timeout for connections to end, then closes the rest.</summary>
    Task StopAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks <paramref name="backend"/> draining (no new connections), waits up to <paramref name="timeout"/> for its
    /// connections to end, then closes the rest. Returns true when all ended on their own.
    /// </summary>
    Task<bool> DrainBackendAsync(Backend backend, TimeSpan timeout, CancellationToken cancellationToken = default);
}

/// <summary>What TCP and UDP forwarders share: options, scheduler, ACL, passive health, metrics, time, logging.</summary>
internal sealed class ForwarderCore : IDisposable
{
    public ForwarderCore(ForwarderOptions options, IBackendScheduler scheduler, TimeProvider? timeProvider = null, ILogger? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Invalid forwarder options '{options.Name}': {string.Join(" ", errors)}", nameof(options));
        }

        Options = options;
        Scheduler = scheduler;
        Time = timeProvider ?? TimeProvider.System;
        Logger = logger ?? NullLogger.Instance;
        Metrics = new ForwarderMetrics(meterFactory, options.Name, options.Protocol);
        Acl = new SourceAcl(options.AllowedSources, options.DeniedSources);
        Health = new PassiveHealth(options.PassiveHealthFailureThreshold, options.PassiveHealthWindow, options.PassiveHealthReactivation, Time, Metrics, Logger, HealthFlags);
        Listen = ForwarderEndPoints.TryParseListen(options.Listen, out var listen) ? listen : throw new ArgumentException($"Listen '{options.Listen}' is not ADDR:PORT.", nameof(options));
    }

    public ForwarderOptions Options { get; }

    public IBackendScheduler Scheduler { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public ForwarderMetrics Metrics { get; }

    public SourceAcl Acl { get; }

    public PassiveHealth Health { get; }

    /// <summary>Combines passive, active and external health into <see cref="Backend.IsHealthy"/>.</summary>
    public BackendHealthFlags HealthFlags { get; } = new();

    /// <summary>The active checks, once attached.</summary>
    public ActiveHealth? ActiveHealth { get; private set; }

    /// <summary>
    /// Takes active health from <paramref name="monitor"/> (one TCP check per backend of the current set, when
    /// <see cref="ForwarderOptions.HealthCheck"/> is enabled) and from <paramref name="source"/> (health kept by others,
    /// matched by backend name). Either may be null. Call once, before or after start.
    /// </summary>
    public void AttachHealth(VirtualIp.Health.IHealthMonitor? monitor, VirtualIp.Health.IBackendHealthSource? source)
    {
        if (ActiveHealth is not null)
        {
            throw new InvalidOperationException("Health is already attached.");
        }

        ActiveHealth = new ActiveHealth(this, monitor, source);
    }

    public IPEndPoint Listen { get; }

    /// <summary>Builds the backend set of the options (resolving host names).</summary>
    public static async Task<BackendSet> ResolveBackendsAsync(ForwarderOptions options, CancellationToken cancellationToken)
    {
        var list = new List<Backend>(options.Backends.Count);
        foreach (var b in options.Backends)
        {
            var ep = await ForwarderEndPoints.ResolveAsync(b.Address, cancellationToken).ConfigureAwait(false);
            list.Add(new Backend(ep, b.Weight, b.Name ?? b.Address));
        }

        return new BackendSet(list);
    }

    /// <summary>Picks for a client address (the address bytes are the hash key), skipping backends already tried.</summary>
    public Backend? Pick(IPAddress client, ReadOnlySpan<Backend?> tried)
    {
        Span<byte> key = stackalloc byte[16];
        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        client.TryWriteBytes(key, out int n);
        var b = Scheduler.Pick(new PickContext(key[..n]));
        if (b is null || !Contains(tried, b))
        {
            return b;
        }

        // The scheduler chose a backend that already failed this client: take the next available untried one.
        var set = Scheduler.Backends.AsSpan();
        int start = set.IndexOf(b);
        for (int k = 1; k <= set.Length; k++)
        {
            var c = set[(start + k) % set.Length];
            if (c.IsAvailable && !Contains(tried, c))
            {
                return c;
            }
        }

        return null;
    }

    public static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        socket.Dispose();
    }

    public void Dispose()
    {
        ActiveHealth?.Dispose();
        Health.Dispose();
    }

    private static bool Contains(ReadOnlySpan<Backend?> tried, Backend b)
    {
        foreach (var t in tried)
        {
            if (ReferenceEquals(t, b))
            {
                return true;
            }
        }

        return false;
    }
}
