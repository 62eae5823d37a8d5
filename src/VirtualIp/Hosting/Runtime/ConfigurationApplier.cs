using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VirtualIp.Hosting;

/// <summary>
/// Makes the running host match a <see cref="VirtualIpConfiguration"/>, in dependency order: platform session, stale
/// cleanup (first run only), guards, static VIPs, checks, then routers (whose tracking needs the checks). Used at start
/// and for every accepted reload; calls are serialized by the callers (start, then the reloader's queue).
/// </summary>
internal sealed partial class ConfigurationApplier(PlatformSession session, AddressGuards guards, StaticVipSet statics, HealthCheckSet checks,
    RouterSet routers, ILoggerFactory? loggerFactory = null)
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("VirtualIp");
    private bool _open;
    private bool _routersStarted;

    /// <summary>Applies <paramref name="config"/>; the first call with something to run opens the platform.</summary>
    public async Task ApplyAsync(VirtualIpConfiguration config, CancellationToken cancellationToken)
    {
        if (!_open)
        {
            if (config.IsEmpty)
            {
                LogNothingConfigured(_logger);
                return;
            }

            await session.OpenAsync(cancellationToken).ConfigureAwait(false);
            _open = true;
            LogStarting(_logger, session.Platform!.Name, config.Routers.Count, config.StaticVips.Count, config.Checks.Count);
            if (config.RemoveStaleAddressesOnStart)
            {
                await guards.RemoveStaleAsync(session.Raw, config.Interfaces, config.StaticVips, cancellationToken).ConfigureAwait(false);
            }
        }

        if (session.Watcher is { } watcher && config.RestoreDeletedVips)
        {
            foreach (var iface in config.Interfaces)
            {
                await guards.EnsureAsync(session.Raw, watcher, iface, cancellationToken).ConfigureAwait(false);
            }
        }

        await statics.ApplyAsync(config.StaticVips, cancellationToken).ConfigureAwait(false);
        checks.Apply(config.Checks);
        if (_routersStarted)
        {
            await routers.ApplyAsync(config.Routers, cancellationToken, config.LoadTracks).ConfigureAwait(false);
        }
        else
        {
            await routers.StartAsync(config.Routers, config.DetectVipConflicts, cancellationToken, config.LoadTracks).ConfigureAwait(false);
            _routersStarted = true;
        }
    }

    /// <summary>Stops the routers (masters hand over) and releases the static VIPs.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_open)
        {
            return;
        }

        LogStopping(_logger);
        await routers.StopAsync(cancellationToken).ConfigureAwait(false);
        await statics.StopAsync(cancellationToken).ConfigureAwait(false);
        checks.Stop();
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "VirtualIp starting on {Platform}: {Routers} router(s), {Static} static VIP group(s), {Checks} check(s)")]
    private static partial void LogStarting(ILogger logger, string platform, int routers, int @static, int checks);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "VirtualIp has nothing to run: configure VirtualIp:Routers, VirtualIp:StaticVips or VirtualIp:Checks")]
    private static partial void LogNothingConfigured(ILogger logger);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "VirtualIp stopping: masters advertise priority 0 and VIPs are removed")]
    private static partial void LogStopping(ILogger logger);
}
