using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace VirtualIp.Events;

/// <summary>
/// Writes every event as one JSON line (who moved which VIP, when and why) to a file, and to the log at
/// Information level. <see cref="Write"/> only queues the line: the file is appended by a background writer, so a slow
/// or full disk never delays the event source (the election, the action queue). Never throws into the event source.
/// </summary>
internal sealed partial class AuditTrail : IAsyncDisposable
{
    private readonly string? _path;
    private readonly ILogger _logger;
    private readonly string _node = Environment.MachineName;
    private readonly System.Threading.Channels.Channel<AuditLine>? _lines;
    private readonly Task _writer = Task.CompletedTask;

    public AuditTrail(string? path, ILogger logger)
    {
        _path = path;
        _logger = logger;
        if (_path is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
            _lines = System.Threading.Channels.Channel.CreateUnbounded<AuditLine>(new() { SingleReader = true });
            _writer = Task.Run(() => WriteLinesAsync(_path, _lines.Reader));
        }
    }

    public void Write(VirtualIpEvent e)
    {
        var line = ToJson(e, _node);
        LogAudit(_logger, line);
        _lines?.Writer.TryWrite(new AuditLine(line, null));
    }

    /// <summary>Completes when every line queued so far is in the file (tests, shutdown).</summary>
    internal Task FlushAsync()
    {
        if (_lines is null)
        {
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _lines.Writer.TryWrite(new AuditLine(null, done)) ? done.Task : _writer;
    }

    private async Task WriteLinesAsync(string path, System.Threading.Channels.ChannelReader<AuditLine> reader)
    {
        var batch = new StringBuilder();
        var flushes = new List<TaskCompletionSource>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            flushes.Clear();
            while (reader.TryRead(out var item))
            {
                if (item.Text is not null)
                {
                    batch.Append(item.Text).Append('\n');
                }
                else if (item.Flushed is not null)
                {
                    flushes.Add(item.Flushed);
                }
            }

            try
            {
                if (batch.Length > 0)
                {
                    await File.AppendAllTextAsync(path, batch.ToString(), Encoding.UTF8).ConfigureAwait(false);
                }
            }
            catch (IOException ex)
            {
                LogAuditWriteFailed(_logger, path, ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                LogAuditWriteFailed(_logger, path, ex);
            }

            foreach (var f in flushes)
            {
                f.TrySetResult();
            }
        }
    }

    private readonly record struct AuditLine(string? Text, TaskCompletionSource? Flushed);

    internal static string ToJson(VirtualIpEvent e, string node)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("time", e.Timestamp);
            w.WriteString("node", node);
            w.WriteString("kind", e.Kind);
            switch (e)
            {
                case RouterStateChangedEvent s:
                    w.WriteString("router", s.Router);
                    w.WriteNumber("vrid", s.VirtualRouterId);
                    w.WriteString("from", s.OldState.ToString());
                    w.WriteString("to", s.NewState.ToString());
                    w.WriteString("reason", s.Reason.ToString());
                    w.WriteNumber("priority", s.Priority);
                    w.WriteString("master", s.MasterAddress?.ToString());
                    w.WriteString("detail", s.Detail);
                    break;
                case VipBindingChangedEvent b:
                    w.WriteString("interface", b.Interface);
                    w.WriteString("vip", b.Vip.ToString());
                    w.WriteBoolean("bound", b.Bound);
                    w.WriteString("reason", b.Reason);
                    break;
                case VipDeletedExternallyEvent d:
                    w.WriteString("interface", d.Interface);
                    w.WriteString("vip", d.Address.ToString());
                    w.WriteBoolean("restored", d.Restored);
                    break;
                case HealthChangedEvent h:
                    w.WriteString("check", h.Check);
                    w.WriteString("from", h.OldState.ToString());
                    w.WriteString("to", h.NewState.ToString());
                    w.WriteString("reason", h.Reason);
                    break;
                case PriorityChangedEvent p:
                    w.WriteString("router", p.Router);
                    w.WriteNumber("priority", p.Priority);
                    w.WriteBoolean("fault", p.Fault);
                    w.WriteString("reason", p.Reason);
                    break;
                case ActionFailedEvent f:
                    w.WriteString("router", f.Router);
                    w.WriteString("action", f.Action.ToString());
                    w.WriteString("target", f.Target);
                    w.WriteString("error", f.Error);
                    break;
                case RouterConflictEvent c:
                    w.WriteString("router", c.Router);
                    w.WriteNumber("vrid", c.VirtualRouterId);
                    w.WriteString("source", c.Source.ToString());
                    w.WriteNumber("priority", c.AdvertisedPriority);
                    w.WriteString("conflict", c.Conflict.ToString());
                    w.WriteString("state", c.State.ToString());
                    break;
                case VipConflictEvent v:
                    w.WriteString("interface", v.Interface);
                    w.WriteString("vip", v.Address.ToString());
                    w.WriteString("foreignMac", v.ForeignMac.ToString());
                    w.WriteString("router", v.Router);
                    w.WriteBoolean("defended", v.Defended);
                    break;
                case VipLeaseChangedEvent l:
                    w.WriteString("pool", l.Pool);
                    w.WriteString("holder", l.Holder);
                    w.WriteString("vip", l.Vip.ToString());
                    w.WriteString("expires", l.ExpiresAt);
                    w.WriteString("reason", l.Reason);
                    break;
                case Control.RouterControlEvent a:
                    w.WriteString("router", a.Router);
                    w.WriteString("action", a.Action.ToString());
                    w.WriteString("by", a.By);
                    w.WriteString("reason", a.Reason);
                    if (a.Priority is { } ap)
                    {
                        w.WriteNumber("priority", ap);
                    }

                    if (a.Duration is { } ad)
                    {
                        w.WriteNumber("durationSeconds", ad.TotalSeconds);
                    }

                    w.WriteString("state", a.State.ToString());
                    w.WriteNumber("effectivePriority", a.EffectivePriority);
                    break;
                case StaleAddressesRemovedEvent r:
                    w.WriteString("interface", r.Interface);
                    w.WriteStartArray("removed");
                    foreach (var v in r.Removed)
                    {
                        w.WriteStringValue(v.ToString());
                    }

                    w.WriteEndArray();
                    break;
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        _lines?.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1410, Level = LogLevel.Information, Message = "audit {Line}")]
    private static partial void LogAudit(ILogger logger, string line);

    [LoggerMessage(EventId = 1411, Level = LogLevel.Warning, Message = "Could not append to the audit log {Path}")]
    private static partial void LogAuditWriteFailed(ILogger logger, string path, Exception exception);
}
