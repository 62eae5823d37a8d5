using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VirtualIp.Events;

namespace VirtualIp.Hosting;

/// <summary>Writes every published event to the audit trail (JSON lines file and/or log) while the host runs.</summary>
internal sealed class AuditOutput(VirtualIpEventStream events, IOptionsMonitor<VirtualIpOptions> options, ILoggerFactory? loggerFactory = null) : IAsyncDisposable
{
    private readonly ILoggerFactory _loggers = loggerFactory ?? NullLoggerFactory.Instance;
    private AuditTrail? _audit;

    /// <summary>Opens the trail at the configured path (read once: the path does not change on reload) and subscribes.</summary>
    public void Start()
    {
        _audit ??= new AuditTrail(options.CurrentValue.AuditLogPath, _loggers.CreateLogger("VirtualIp.Audit"));
        events.Published -= OnEvent;
        events.Published += OnEvent;
    }

    public async ValueTask DisposeAsync()
    {
        events.Published -= OnEvent;
        if (Interlocked.Exchange(ref _audit, null) is { } audit)
        {
            await audit.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void OnEvent(object? sender, VirtualIpEvent e) => _audit?.Write(e);
}
