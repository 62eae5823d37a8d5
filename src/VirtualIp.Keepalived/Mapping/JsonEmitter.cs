using System.Globalization;
using System.Text;
using System.Text.Json;

namespace VirtualIp.Keepalived.Mapping;

/// <summary>Writes an <see cref="ImportModel"/> as an appsettings.json document with the keys of docs/configuration.md.</summary>
internal static class JsonEmitter
{
    public static string Write(ImportModel model)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("VirtualIp");
            if (model.Routers.Count > 0)
            {
                w.WriteStartArray("Routers");
                foreach (var r in model.Routers)
                {
                    Router(w, r);
                }

                w.WriteEndArray();
            }

            if (model.StaticVips.Count > 0)
            {
                w.WriteStartArray("StaticVips");
                foreach (var (iface, vips) in model.StaticVips)
                {
                    w.WriteStartObject();
                    w.WriteString("Interface", iface);
                    Strings(w, "Vips", vips);
                    w.WriteBoolean("Announce", false); // keepalived adds static addresses without announcing them
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            if (model.Checks.Count > 0)
            {
                w.WriteStartArray("Checks");
                foreach (var c in model.Checks)
                {
                    w.WriteStartObject();
                    w.WriteString("Name", c.Name);
                    w.WriteString("Target", "exec:" + c.Command);
                    w.WriteString("Interval", Mapping.Values.Duration(c.Interval));
                    w.WriteString("Timeout", Mapping.Values.Duration(c.Timeout ?? c.Interval)); // keepalived: no timeout = the interval
                    w.WriteNumber("Rise", c.Rise);
                    w.WriteNumber("Fall", c.Fall);
                    w.WriteNumber("JitterFraction", 0);
                    if (c.InitFail)
                    {
                        w.WriteString("InitialState", "Down");
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            Section(w, "Announcements", model.Announcements);
            Section(w, "Notify", model.Notify);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void Router(Utf8JsonWriter w, RouterModel r)
    {
        w.WriteStartObject();
        w.WriteString("Name", r.Name);
        w.WriteString("Interface", r.Interface);
        w.WriteNumber("VirtualRouterId", r.VirtualRouterId!.Value);
        w.WriteNumber("Priority", r.Priority);
        w.WriteNumber("Version", r.Version!.Value);
        w.WriteString("AdvertisementInterval", Mapping.Values.Duration(r.AdvertInterval));
        w.WriteBoolean("Preempt", r.Preempt);
        if (r.PreemptDelay is { } delay)
        {
            w.WriteString("PreemptDelay", Mapping.Values.Duration(delay));
        }

        if (r.ChecksumAsV2)
        {
            w.WriteString("ChecksumMode", "MessageOnly");
        }

        if (r.AuthPass is { } pass)
        {
            w.WriteString("AuthPassword", pass.Password);
        }

        if (r.Hmac is { } h)
        {
            w.WriteStartObject("AuthHmac");
            Strings(w, "Keys", h.Keys);
            if (h.ActiveKey is { } active)
            {
                w.WriteNumber("ActiveKey", active);
            }

            if (h.Mode is not null)
            {
                w.WriteString("Mode", h.Mode);
            }

            if (h.AntiReplay is not null)
            {
                w.WriteString("AntiReplay", h.AntiReplay);
            }

            if (h.TimeWindowSeconds is { } window)
            {
                w.WriteString("TimeWindow", window.ToString(CultureInfo.InvariantCulture) + "s");
            }

            w.WriteEndObject();
        }

        if (r.SyncGroup is not null)
        {
            w.WriteString("SyncGroup", r.SyncGroup);
        }

        Strings(w, "Vips", r.Vips);
        if (r.UnicastPeers.Count > 0)
        {
            Strings(w, "UnicastPeers", r.UnicastPeers);
        }

        if (r.UnicastSource is not null)
        {
            w.WriteString("UnicastSource", r.UnicastSource);
        }

        Tracks(w, "TrackChecks", "Check", r.TrackChecks);
        Tracks(w, "TrackInterfaces", "Interface", r.TrackInterfaces);
        w.WriteEndObject();
    }

    private static void Tracks(Utf8JsonWriter w, string name, string key, List<(string Name, int Weight)> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        w.WriteStartArray(name);
        foreach (var (item, weight) in items)
        {
            w.WriteStartObject();
            w.WriteString(key, item);
            w.WriteNumber("Weight", weight);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    private static void Section(Utf8JsonWriter w, string name, SharedSettings settings)
    {
        if (settings.Values.Count == 0)
        {
            return;
        }

        w.WriteStartObject(name);
        foreach (var (key, (value, _)) in settings.Values)
        {
            w.WriteString(key, value);
        }

        w.WriteEndObject();
    }
}
