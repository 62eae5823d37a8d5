using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace VirtualIp.Hosting;

/// <summary>
/// Live reload: follows <see cref="IOptionsMonitor{TOptions}"/> of <see cref="VirtualIpOptions"/> (bound from configuration
/// with reloadOnChange) and applies each valid new configuration to the running host, one at a time, in order. An invalid
/// one is rejected: every problem is logged with its key and the running configuration is kept.
/// </summary>
internal sealed partial class ConfigurationReloader(IOptionsMonitor<VirtualIpOptions> monitor, ConfigurationApplier applier, AnnouncerOptionsSource announcements,
    NotifyDispatcher notify, TimeProvider time, ILoggerFactory? loggerFactory = null) : IDisposable
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("VirtualIp.Reload");
    private readonly Lock _gate = new();
    private Task _tail = Task.CompletedTask;
    private IDisposable? _subscription;
    private bool _stopped;

    /// <summary>Reloads applied (tests).</summary>
    internal int Applied { get; private set; }

    /// <summary>Reloads rejected (tests).</summary>
    internal int Rejected { get; private set; }

    /// <summary>Completes when every reload queued so far has been applied or rejected.</summary>
    internal Task WhenIdle
    {
        get
        {
            lock (_gate)
            {
                return _tail;
            }
        }
    }

    /// <summary>Applies the options the host starts with (the first accepted configuration) and starts following changes.</summary>
    public async Task StartAsync(VirtualIpOptions initial, CancellationToken cancellationToken)
    {
        announcements.Set(initial.Announcements);
        notify.Configure(initial.Notify);
        await applier.ApplyAsync(VirtualIpConfiguration.FromValidated(initial), cancellationToken).ConfigureAwait(false);
        _subscription = monitor.OnChange((o, name) =>
        {
            if (name is null || name == Options.DefaultName)
            {
                Enqueue(o);
            }
        });
    }

    /// <summary>Stops following changes and waits for a reload in progress.</summary>
    public Task StopAsync()
    {
        lock (_gate)
        {
            _stopped = true;
            _subscription?.Dispose();
            _subscription = null;
            return _tail;
        }
    }

    public void Dispose() => _subscription?.Dispose();

    private void Enqueue(VirtualIpOptions options)
    {
        lock (_gate)
        {
            if (!_stopped)
            {
                _tail = _tail.ContinueWith(_ => ReloadAsync(options), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
            }
        }
    }

#pragma warning disable CA1031 // a failed reload is logged; the host keeps running what it runs
    private async Task ReloadAsync(VirtualIpOptions options)
    {
        if (options.ValidationErrors.Count > 0)
        {
            foreach (var error in options.ValidationErrors)
            {
                LogRejected(_logger, error);
            }

            Rejected++;
            return;
        }

        long start = time.GetTimestamp();
        try
        {
            announcements.Set(options.Announcements);
            notify.Configure(options.Notify);
            await applier.ApplyAsync(VirtualIpConfiguration.FromValidated(options), CancellationToken.None).ConfigureAwait(false);
            Applied++;
            var took = time.GetElapsedTime(start);
            LogApplied(_logger, took.TotalMilliseconds);
        }
        catch (Exception ex)
        {
            LogFailed(_logger, ex);
        }
    }
#pragma warning restore CA1031

    [LoggerMessage(EventId = 1050, Level = LogLevel.Error, Message = "Configuration reload rejected, the running configuration is kept: {Error}")]
    private static partial void LogRejected(ILogger logger, string error);

    [LoggerMessage(EventId = 1051, Level = LogLevel.Information, Message = "Configuration reload applied in {Milliseconds} ms")]
    private static partial void LogApplied(ILogger logger, double milliseconds);

    [LoggerMessage(EventId = 1052, Level = LogLevel.Error, Message = "Configuration reload failed part-way; what was applied stays applied")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
