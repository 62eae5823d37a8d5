using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace VirtualIp.Etcd;

/// <summary>Reads <see cref="EtcdOptions"/> without reflection; every value that does not parse is reported with its full key.</summary>
internal static class EtcdConfigurationReader
{
    public static void Read(IConfiguration s, EtcdOptions o, string path, List<string> errors)
    {
        var endpoints = s.GetSection("Endpoints");
        if (endpoints.Value is { Length: > 0 } csv)
        {
            foreach (var e in csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                o.Endpoints.Add(e);
            }
        }

        foreach (var e in endpoints.GetChildren())
        {
            if (e.Value is { Length: > 0 } v)
            {
                o.Endpoints.Add(v);
            }
        }

        o.Prefix = s["Prefix"] ?? o.Prefix;
        o.Username = s["Username"] ?? o.Username;
        o.Password = s["Password"] ?? o.Password;
        o.CaCertificatePath = s["CaCertificatePath"] ?? o.CaCertificatePath;
        o.ClientCertificatePath = s["ClientCertificatePath"] ?? o.ClientCertificatePath;
        o.ClientKeyPath = s["ClientKeyPath"] ?? o.ClientKeyPath;
        if (s["MaxConcurrentRequests"] is { } mcr)
        {
            if (int.TryParse(mcr, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            {
                o.MaxConcurrentRequests = n;
            }
            else
            {
                errors.Add($"{path}:MaxConcurrentRequests = '{mcr}' is not a whole number.");
            }
        }

        Duration(s, "LeaseTtl", path, errors, v => o.LeaseTtl = v);
        Duration(s, "RequestTimeout", path, errors, v => o.RequestTimeout = v);
        Duration(s, "OperationTimeout", path, errors, v => o.OperationTimeout = v);
        Duration(s, "FenceMargin", path, errors, v => o.FenceMargin = v);
        Duration(s, "HistoryRetention", path, errors, v => o.HistoryRetention = v);
    }

    /// <summary>Parses 20ms, 2s, 5m, 1h, 00:00:05 or a number of seconds.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        text = text.Trim();
        (string num, double scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (double.TryParse(num, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0 && n * scale < TimeSpan.MaxValue.TotalSeconds)
        {
            value = TimeSpan.FromSeconds(n * scale);
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }

    private static void Duration(IConfiguration s, string key, string path, List<string> errors, Action<TimeSpan> set)
    {
        if (s[key] is not { } text)
        {
            return;
        }

        if (TryParseDuration(text, out var v))
        {
            set(v);
        }
        else
        {
            errors.Add($"{path}:{key} = '{text}' is not a duration (20ms, 2s, 5m, 00:00:05).");
        }
    }
}
