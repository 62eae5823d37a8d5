using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Election;

namespace VirtualIp.Hosting;

/// <summary>Dispatches transitions to the notify commands: one <see cref="NotifyRunner"/> per router (commands of one router never overlap).</summary>
internal sealed class NotifyDispatcher(ILoggerFactory? loggerFactory = null)
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("VirtualIp.Notify");
    private readonly Dictionary<string, NotifyRunner> _runners = new(StringComparer.Ordinal);
    private volatile NotifyOptions _options = new();

    /// <summary>The notify commands of the configuration accepted last (start or reload).</summary>
    public void Configure(NotifyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var copy = new NotifyOptions { Any = options.Any, Master = options.Master, Backup = options.Backup, Fault = options.Fault, Timeout = options.Timeout };
        var old = _options;
        if (old.Any == copy.Any && old.Master == copy.Master && old.Backup == copy.Backup && old.Fault == copy.Fault && old.Timeout == copy.Timeout)
        {
            return;
        }

        lock (_runners)
        {
            _options = copy;
            _runners.Clear(); // running commands finish; the next transition uses the new commands
        }
    }

    /// <summary>Queues the commands for <paramref name="e"/>.</summary>
    public void Enqueue(VrrpStateChangedEventArgs e)
    {
        NotifyRunner? runner;
        lock (_runners)
        {
            if (!_runners.TryGetValue(e.RouterName, out runner))
            {
                runner = new NotifyRunner(_options, _logger);
                _runners[e.RouterName] = runner;
            }
        }

        runner.Enqueue(e);
    }
}
