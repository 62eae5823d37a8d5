using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VirtualIp.Election;
using VirtualIp.Hosting;

namespace VirtualIp.Failover.Systemd;

/// <summary>
/// Holds the host's start (registered last, so <c>ApplicationStarted</c>, and with it systemd's READY=1 from
/// <c>UseSystemd()</c>, comes after it) until the first VRRP state of every router is known: Master, Fault, or Backup
/// following a master it has heard. A lone node therefore reports ready when it takes over (Master_Down_Interval after
/// start), a backup on its first advert. A router that settles on nothing within <see cref="Limit"/> (a sync group
/// waiting for a member forever) does not block the start: it is logged and READY=1 is sent anyway.
/// </summary>
internal sealed partial class FirstStateGate(IVirtualIpRuntime runtime, TimeProvider time, ILogger<FirstStateGate> logger) : IHostedService
{
    /// <summary>The longest the start waits for the first states.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(20);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        long started = time.GetTimestamp();
        while (runtime.Routers.FirstOrDefault(r => !IsKnown(r)) is { } pending)
        {
            if (time.GetElapsedTime(started) >= Limit)
            {
                LogGaveUp(logger, pending.Name, pending.State, Limit.TotalSeconds);
                return;
            }

            await Task.Delay(s_poll, time, cancellationToken).ConfigureAwait(false);
        }

        double ms = time.GetElapsedTime(started).TotalMilliseconds;
        string states = string.Join(", ", runtime.Routers.Select(r => $"{r.Name} {r.State}"));
        LogKnown(logger, runtime.Routers.Count, ms, states);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static bool IsKnown(IVirtualRouter router) => router.State switch
    {
        VrrpState.Master or VrrpState.Fault => true,
        VrrpState.Backup => router.MasterAddress is not null,
        _ => false,
    };
}
