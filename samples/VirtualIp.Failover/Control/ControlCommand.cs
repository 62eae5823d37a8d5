using System.Text.Json;
using VirtualIp.Control;
using VirtualIp.Hosting;

namespace VirtualIp.Failover.Control;

/// <summary>
/// One request of the control protocol: a JSON object on one line, e.g.
/// <c>{"command":"resign","router":"VI_51","for":"30s","reason":"kernel update"}</c>. Commands: status, resign
/// (optional "for"), maintenance ("on": true|false), priority ("priority": 1..254), clear ("overrides": "all" or a
/// comma list of resign, maintenance, priority, takeover), takeover. "router" may be left out when the daemon runs one
/// router (status without it lists every router). "reason" is free text (default "no reason given").
/// </summary>
internal sealed record ControlCommand(string Command, string? Router, string Reason, bool On, int Priority, TimeSpan? For, ControlOverrides Overrides)
{
    /// <summary>The longest request line accepted, in bytes.</summary>
    public const int MaxLineBytes = 4096;

    private static readonly string[] s_commands = ["status", "resign", "maintenance", "priority", "clear", "takeover"];

    /// <summary>Parses one request line (untrusted input): false with an error naming the bad field.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out ControlCommand command, out string error)
    {
        command = null!;
        error = "";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.ToArray(), new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException ex)
        {
            error = $"not a JSON object: {ex.Message}";
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "not a JSON object";
                return false;
            }

            if (!TryString(root, "command", out string? name, out error) || name is null || !s_commands.Contains(name))
            {
                error = error.Length > 0 ? error : $"\"command\" must be one of {string.Join(", ", s_commands)}";
                return false;
            }

            if (!TryString(root, "router", out string? router, out error) || !TryString(root, "reason", out string? reason, out error))
            {
                return false;
            }

            bool on = false;
            int priority = 0;
            TimeSpan? duration = null;
            var overrides = ControlOverrides.All;
            switch (name)
            {
                case "maintenance":
                    if (!root.TryGetProperty("on", out var o) || o.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        error = "\"on\" must be true or false";
                        return false;
                    }

                    on = o.GetBoolean();
                    break;
                case "priority":
                    if (!root.TryGetProperty("priority", out var p) || p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out priority) || priority is < 1 or > 254)
                    {
                        error = "\"priority\" must be an integer from 1 to 254";
                        return false;
                    }

                    break;
                case "resign":
                    if (!TryString(root, "for", out string? text, out error))
                    {
                        return false;
                    }

                    if (text is not null)
                    {
                        if (!DurationText.TryParse(text, out var d) || d <= TimeSpan.Zero)
                        {
                            error = $"\"for\": '{text}' is not a positive duration such as 30s or 5m";
                            return false;
                        }

                        duration = d;
                    }

                    break;
                case "clear":
                    if (!TryString(root, "overrides", out string? list, out error) || !TryOverrides(list ?? "all", out overrides))
                    {
                        error = error.Length > 0 ? error : "\"overrides\" must be all or a comma list of resign, maintenance, priority, takeover";
                        return false;
                    }

                    break;
            }

            command = new ControlCommand(name, router, string.IsNullOrWhiteSpace(reason) ? "no reason given" : reason, on, priority, duration, overrides);
            return true;
        }
    }

    /// <summary>Parses "all" or "resign,maintenance,...".</summary>
    public static bool TryOverrides(string text, out ControlOverrides overrides)
    {
        overrides = ControlOverrides.None;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            overrides |= part.ToLowerInvariant() switch
            {
                "all" => ControlOverrides.All,
                "resign" => ControlOverrides.Resign,
                "maintenance" => ControlOverrides.Maintenance,
                "priority" => ControlOverrides.Priority,
                "takeover" => ControlOverrides.Takeover,
                _ => (ControlOverrides)(-1),
            };
            if ((int)overrides < 0)
            {
                return false;
            }
        }

        return overrides != ControlOverrides.None;
    }

    private static bool TryString(JsonElement root, string property, out string? value, out string error)
    {
        value = null;
        error = "";
        if (!root.TryGetProperty(property, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (e.ValueKind != JsonValueKind.String || e.GetString() is not { Length: <= 512 } s)
        {
            error = $"\"{property}\" must be a string of at most 512 characters";
            return false;
        }

        value = s;
        return true;
    }
}
