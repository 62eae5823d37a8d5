using System.Text;
using System.Text.Json;
using VirtualIp.Control;

namespace VirtualIp.Failover.Control;

/// <summary>
/// The one-line JSON answers: <c>{"ok":true,"by":"uid=0(root) pid=42","routers":[STATUS...]}</c> or
/// <c>{"ok":false,"error":"..."}</c>. STATUS is <see cref="VirtualRouterStatus"/> with camelCase names.
/// </summary>
internal static class ControlResponse
{
    public static string Ok(string by, IEnumerable<VirtualRouterStatus> routers) => Write(w =>
    {
        w.WriteBoolean("ok", true);
        w.WriteString("by", by);
        w.WriteStartArray("routers");
        foreach (var s in routers)
        {
            WriteStatus(w, s);
        }

        w.WriteEndArray();
    });

    public static string Error(string message) => Write(w =>
    {
        w.WriteBoolean("ok", false);
        w.WriteString("error", message);
    });

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void WriteStatus(Utf8JsonWriter w, VirtualRouterStatus s)
    {
        w.WriteStartObject();
        w.WriteString("router", s.Router);
        w.WriteNumber("vrid", s.VirtualRouterId);
        w.WriteString("interface", s.Interface);
        w.WriteString("state", s.State.ToString());
        w.WriteNumber("basePriority", s.BasePriority);
        w.WriteNumber("trackedPriority", s.TrackedPriority);
        w.WriteNumber("effectivePriority", s.EffectivePriority);
        w.WriteBoolean("fault", s.Fault);
        w.WriteString("master", s.MasterAddress?.ToString());
        w.WriteStartArray("vips");
        foreach (var v in s.Vips)
        {
            w.WriteStringValue(v.ToString());
        }

        w.WriteEndArray();
        w.WriteString("syncGroup", s.SyncGroup);
        w.WriteStartArray("overrides");
        foreach (var o in s.Overrides)
        {
            w.WriteStartObject();
            w.WriteString("kind", o.Kind.ToString());
            w.WriteString("by", o.By);
            w.WriteString("reason", o.Reason);
            w.WriteString("since", o.Since);
            if (o.Until is { } until)
            {
                w.WriteString("until", until);
            }

            if (o.Priority is { } p)
            {
                w.WriteNumber("priority", p);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (s.LastTransition is { } t)
        {
            w.WriteStartObject("lastTransition");
            w.WriteString("from", t.From.ToString());
            w.WriteString("to", t.To.ToString());
            w.WriteString("reason", t.Reason.ToString());
            w.WriteString("detail", t.Detail);
            w.WriteString("at", t.At);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }
}
