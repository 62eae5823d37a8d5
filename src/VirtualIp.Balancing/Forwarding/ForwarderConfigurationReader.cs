using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// Reads a configuration section onto <see cref="ForwarderOptions"/> key by key (no reflection binder: the package is
/// trimmable and AOT-clean). A value that does not parse is kept out of the options and reported by
/// <see cref="ForwarderOptions.Validate"/> with its key, so a bad edit is rejected by name at start or on reload.
/// Durations accept "20ms", "1s", "2m", "00:00:05" or a number of seconds. A given <c>Backends</c> list replaces the one
/// configured in code; scalar keys override it.
/// </summary>
internal static class ForwarderConfigurationReader
{
    public static void Read(IConfiguration section, ForwarderOptions o)
    {
        string path = (section as IConfigurationSection)?.Path is { Length: > 0 } p ? p + ":" : "";
        var errors = o.ReadErrors;
        String(section, "Listen", v => o.Listen = v);
        String(section, "Scheduler", v => o.Scheduler = v);
        if (section["Protocol"] is { Length: > 0 } protocol)
        {
            if (Enum.TryParse<ForwarderProtocol>(protocol, ignoreCase: true, out var value) && Enum.IsDefined(value))
            {
                o.Protocol = value;
            }
            else
            {
                errors.Add($"{path}Protocol '{protocol}' is not Tcp or Udp.");
            }
        }

        if (section["TcpEngine"] is { Length: > 0 } engine)
        {
            if (Enum.TryParse<ForwarderTcpEngine>(engine, ignoreCase: true, out var value) && Enum.IsDefined(value))
            {
                o.TcpEngine = value;
            }
            else
            {
                errors.Add($"{path}TcpEngine '{engine}' is not Auto, Sockets or Epoll.");
            }
        }

        Int(section, path, "MaxConnectAttempts", errors, v => o.MaxConnectAttempts = v);
        Int(section, path, "MaxConnections", errors, v => o.MaxConnections = v);
        Int(section, path, "BufferSize", errors, v => o.BufferSize = v);
        Int(section, path, "Backlog", errors, v => o.Backlog = v);
        Int(section, path, "PassiveHealthFailureThreshold", errors, v => o.PassiveHealthFailureThreshold = v);
        Duration(section, path, "ConnectTimeout", errors, v => o.ConnectTimeout = v);
        Duration(section, path, "DrainTimeout", errors, v => o.DrainTimeout = v);
        Duration(section, path, "PassiveHealthWindow", errors, v => o.PassiveHealthWindow = v);
        Duration(section, path, "PassiveHealthReactivation", errors, v => o.PassiveHealthReactivation = v);
        Duration(section, path, "UdpIdleTimeout", errors, v => o.UdpIdleTimeout = v);
        Duration(section, path, "TcpIdleTimeout", errors, v => o.TcpIdleTimeout = v);
        Bool(section, path, "TcpWaitForClientData", errors, v => o.TcpWaitForClientData = v);
        Duration(section, path, "TcpFirstByteTimeout", errors, v => o.TcpFirstByteTimeout = v);
        Duration(section, path, "TcpHalfCloseTimeout", errors, v => o.TcpHalfCloseTimeout = v);
        Int(section, path, "TcpMaxConnectionsPerSource", errors, v => o.TcpMaxConnectionsPerSource = v);
        Double(section, path, "TcpConnectionRatePerSource", errors, v => o.TcpConnectionRatePerSource = v);
        Int(section, path, "TcpConnectionRateBurstPerSource", errors, v => o.TcpConnectionRateBurstPerSource = v);
        Bool(section, path, "FreeBind", errors, v => o.FreeBind = v);
        var udp = section.GetSection("Udp");
        Int(udp, path, "Udp:MaxSessionsPerSource", errors, v => o.Udp.MaxSessionsPerSource = v, "MaxSessionsPerSource");
        Double(udp, path, "Udp:NewSessionsPerSecondPerSource", errors, v => o.Udp.NewSessionsPerSecondPerSource = v, "NewSessionsPerSecondPerSource");
        List(section.GetSection("AllowedSources"), o.AllowedSources);
        List(section.GetSection("DeniedSources"), o.DeniedSources);

        var check = section.GetSection("HealthCheck");
        if (check["Enabled"] is { Length: > 0 } enabled)
        {
            if (bool.TryParse(enabled, out bool on))
            {
                o.HealthCheck.Enabled = on;
            }
            else
            {
                errors.Add($"{path}HealthCheck:Enabled '{enabled}' is not true or false.");
            }
        }

        Duration(check, path, "HealthCheck:Interval", errors, v => o.HealthCheck.Interval = v, "Interval");
        Duration(check, path, "HealthCheck:Timeout", errors, v => o.HealthCheck.Timeout = v, "Timeout");
        Int(check, path, "HealthCheck:Rise", errors, v => o.HealthCheck.Rise = v, "Rise");
        Int(check, path, "HealthCheck:Fall", errors, v => o.HealthCheck.Fall = v, "Fall");

        var backends = section.GetSection("Backends").GetChildren().ToList();
        if (backends.Count > 0)
        {
            o.Backends.Clear();
            foreach (var b in backends.OrderBy(static c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : int.MaxValue))
            {
                var options = new ForwarderBackendOptions { Address = b.Value ?? b["Address"] ?? "", Name = b["Name"], HealthCheckAddress = b["HealthCheckAddress"] };
                Int(b, path, $"Backends:{b.Key}:Weight", errors, v => options.Weight = v, "Weight");
                o.Backends.Add(options);
            }
        }
    }

    /// <summary>Parses "20ms", "1s", "2m", "1h", "00:00:05" or a number of seconds.</summary>
    internal static bool TryParseDuration(string text, out TimeSpan value)
    {
        text = text.Trim();
        value = default;
        (string number, double scale) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1)
            : text.EndsWith('m') ? (text[..^1], 60)
            : text.EndsWith('h') ? (text[..^1], 3600)
            : (text, 1);
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && double.IsFinite(n) && Math.Abs(n * scale) < 1e9)
        {
            value = TimeSpan.FromSeconds(n * scale);
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }

    private static void String(IConfiguration section, string key, Action<string> set)
    {
        if (section[key] is { } v)
        {
            set(v);
        }
    }

    private static void Int(IConfiguration section, string path, string key, List<string> errors, Action<int> set, string? localKey = null)
    {
        if (section[localKey ?? key] is { Length: > 0 } text)
        {
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            {
                set(v);
            }
            else
            {
                errors.Add($"{path}{key} '{text}' is not a whole number.");
            }
        }
    }

    private static void Duration(IConfiguration section, string path, string key, List<string> errors, Action<TimeSpan> set, string? localKey = null)
    {
        if (section[localKey ?? key] is { Length: > 0 } text)
        {
            if (TryParseDuration(text, out var v))
            {
                set(v);
            }
            else
            {
                errors.Add($"{path}{key} '{text}' is not a duration (20ms, 1s, 2m, 00:00:05 or seconds).");
            }
        }
    }

    private static void Bool(IConfiguration section, string path, string key, List<string> errors, Action<bool> set)
    {
        if (section[key] is { Length: > 0 } text)
        {
            if (bool.TryParse(text, out bool v))
            {
                set(v);
            }
            else
            {
                errors.Add($"{path}{key} '{text}' is not true or false.");
            }
        }
    }

    private static void Double(IConfiguration section, string path, string key, List<string> errors, Action<double> set, string? localKey = null)
    {
        if (section[localKey ?? key] is { Length: > 0 } text)
        {
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v))
            {
                set(v);
            }
            else
            {
                errors.Add($"{path}{key} '{text}' is not a number.");
            }
        }
    }

    private static void List(IConfigurationSection section, IList<string> target)
    {
        var items = section.GetChildren().Select(static c => c.Value).OfType<string>().ToList();
        if (items.Count > 0)
        {
            target.Clear();
            foreach (var i in items)
            {
                target.Add(i);
            }
        }
    }
}
