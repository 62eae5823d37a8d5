using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace VirtualIp.Events;

/// <summary>
/// Writes every event as one JSON line (who moved which VIP, when and why) to a file, and to the log at
/// Information level. Appends; never throws into the event source.
/// </summary>
internal sealed partial class AuditTrail : IDisposable
{
    private readonly string? _path;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly string _node = Environment.MachineName;

    public AuditTrail(string? path, ILogger logger)
    {
        _path = path;
        _logger = logger;
        if (_path is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        }
    }

    public void Write(VirtualIpEvent e)
    {
        var line = ToJson(e, _node);
        LogAudit(_logger, line);
        if (_path is null)
        {
            return;
        }

        try
        {
            lock (_gate)
            {
                File.AppendAllText(_path, line + "\n", Encoding.UTF8);
            }
        }
        catch (IOException ex)
        {
            LogAuditWriteFailed(_logger, _path, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            LogAuditWriteFailed(_logger, _path, ex);
        }
    }

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
                case VipLeaseChangedEvent l:
                    w.WriteString("pool", l.Pool);
                    w.WriteString("holder", l.Holder);
                    w.WriteString("vip", l.Vip.ToString());
                    w.WriteString("expires", l.ExpiresAt);
                    w.WriteString("reason", l.Reason);
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

    public void Dispose()
    {
    }

    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "audit {Line}")]
    private static partial void LogAudit(ILogger logger, string line);

    [LoggerMessage(EventId = 901, Level = LogLevel.Warning, Message = "Could not append to the audit log {Path}")]
    private static partial void LogAuditWriteFailed(ILogger logger, string path, Exception exception);
}
