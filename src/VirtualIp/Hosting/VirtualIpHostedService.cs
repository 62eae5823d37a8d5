using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace VirtualIp.Hosting;

/// <summary>
/// The orchestrator: takes the validated options once, starts the outputs (audit, event bridge), hands the configuration
/// to the reloader (which applies it now and every valid change later) and, on stop, stops in reverse order: masters
/// advertise priority 0 and every VIP is removed. The work itself is done by the parts it is given.
/// </summary>
internal sealed class VirtualIpHostedService(IOptionsMonitor<VirtualIpOptions> options, ValidationGate gate, AuditOutput audit, EventBridge bridge,
    ConfigurationReloader reloader, ConfigurationApplier applier, RouterSet routers, ConflictDetection conflicts, AddressGuards guards,
    PlatformSession session, Events.VirtualIpEventStream events) : IHostedService, IAsyncDisposable
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.CurrentValue; // validated at start (ValidateOnStart); the same instance, not read again
        if (o.ValidationErrors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(VirtualIpOptions), o.ValidationErrors);
        }

        gate.Running = true;
        audit.Start();
        bridge.Start();
        await reloader.StartAsync(o, cancellationToken).ConfigureAwait(false);
        await events.FlushAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await reloader.StopAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        await applier.StopAsync(cancellationToken).ConfigureAwait(false);
        await events.FlushAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        await DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        reloader.Dispose();
        await routers.DisposeAsync().ConfigureAwait(false);
        await conflicts.DisposeAsync().ConfigureAwait(false);
        await guards.DisposeAsync().ConfigureAwait(false);
        await session.DisposeAsync().ConfigureAwait(false);
        bridge.Stop();
        await audit.DisposeAsync().ConfigureAwait(false);
    }
}
