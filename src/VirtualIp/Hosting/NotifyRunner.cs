using System.Globalization;
using VirtualIp.Processes;
using Microsoft.Extensions.Logging;
using VirtualIp.Election;

namespace VirtualIp.Hosting;

/// <summary>
/// Runs keepalived-style notify commands (<c>COMMAND INSTANCE NAME STATE PRIORITY</c>) for one router, one at a time:
/// a transition that arrives while a command runs replaces any transition still waiting, so after a burst of flaps
/// the last command run is always for the latest state, and two commands of one router never run at once.
/// </summary>
internal sealed partial class NotifyRunner
{
    private readonly NotifyOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private VrrpStateChangedEventArgs? _pending;
    private Task _worker = Task.CompletedTask;
    private bool _running;
    private long _superseded;

    public NotifyRunner(NotifyOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
    }

    /// <summary>Transitions whose commands never ran because a later transition replaced them.</summary>
    public long Superseded => Interlocked.Read(ref _superseded);

    /// <summary>Completes when no command runs or waits (tests, shutdown).</summary>
    public Task WhenIdle
    {
        get
        {
            lock (_gate)
            {
                return _worker;
            }
        }
    }

    /// <summary>Queues the commands for <paramref name="e"/>, replacing a transition that has not started yet.</summary>
    public void Enqueue(VrrpStateChangedEventArgs e)
    {
        if (string.IsNullOrWhiteSpace(CommandFor(e.NewState)) && string.IsNullOrWhiteSpace(_options.Any))
        {
            return;
        }

        lock (_gate)
        {
            if (_pending is not null)
            {
                Interlocked.Increment(ref _superseded);
            }

            _pending = e;
            if (!_running)
            {
                _running = true;
                _worker = Task.Run(RunAsync);
            }
        }
    }

    private string? CommandFor(VrrpState state) => state switch
    {
        VrrpState.Master => _options.Master,
        VrrpState.Backup => _options.Backup,
        VrrpState.Fault => _options.Fault,
        _ => null,
    };

    private async Task RunAsync()
    {
        while (true)
        {
            VrrpStateChangedEventArgs e;
            lock (_gate)
            {
                if (_pending is null)
                {
                    _running = false;
                    return;
                }

                e = _pending;
                _pending = null;
            }

            foreach (var command in new[] { CommandFor(e.NewState), _options.Any })
            {
                if (!string.IsNullOrWhiteSpace(command))
                {
                    await RunCommandAsync(command, ["INSTANCE", e.RouterName, e.NewState.ToString().ToUpperInvariant(),
                        e.Priority.ToString(CultureInfo.InvariantCulture)]).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task RunCommandAsync(string command, string[] args)
    {
        var timeout = _options.Timeout;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            int exitCode = await ShellCommand.RunAsync(command, args, cts.Token).ConfigureAwait(false);
            if (exitCode != 0)
            {
                LogNotifyExit(_logger, command, exitCode);
            }
        }
        catch (OperationCanceledException)
        {
            LogNotifyTimeout(_logger, command, timeout);
        }
        catch (ShellCommandStartException ex)
        {
            LogNotifyFailed(_logger, command, ex);
        }
    }

    [LoggerMessage(EventId = 1060, Level = LogLevel.Warning, Message = "Notify command '{Command}' exited with {ExitCode}")]
    private static partial void LogNotifyExit(ILogger logger, string command, int exitCode);

    [LoggerMessage(EventId = 1061, Level = LogLevel.Warning, Message = "Notify command '{Command}' ran longer than {Timeout} and was killed")]
    private static partial void LogNotifyTimeout(ILogger logger, string command, TimeSpan timeout);

    [LoggerMessage(EventId = 1062, Level = LogLevel.Error, Message = "Notify command '{Command}' could not run")]
    private static partial void LogNotifyFailed(ILogger logger, string command, Exception exception);
}
