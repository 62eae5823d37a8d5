using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using VirtualIp.Balancing;

namespace VirtualIp.LoadBalancer;

/// <summary>
/// Where the forwarder's settings come from, lowest to highest precedence: appsettings.json beside the program,
/// appsettings.json in the working directory (edits apply live: backends are added, removed or re-weighted with no
/// restart), environment variables (<c>Forwarder__Listen=127.0.0.1:8080</c>, <c>Forwarder__Backends__0=HOST:PORT</c>),
/// then the command-line flags, which win key by key (<c>--backends</c> fixes the backend list: change it through the
/// control endpoint then).
/// </summary>
internal static class LoadBalancerConfiguration
{
    public const string Section = "Forwarder";

    /// <summary>Host settings with the configuration sources above (no default sources, no raw argument parsing).</summary>
    public static HostApplicationBuilderSettings Settings()
    {
        var configuration = new ConfigurationManager();
        configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(Environment.CurrentDirectory, "appsettings.json"), optional: true, reloadOnChange: true)
            .AddEnvironmentVariables();
        return new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory, Configuration = configuration };
    }

    /// <summary>True when the configuration or the flags give a forwarder to run.</summary>
    public static bool HasForwarder(IConfiguration configuration, Dictionary<string, string> flags) =>
        (flags.ContainsKey("listen") || configuration[$"{Section}:Listen"] is { Length: > 0 })
        && (flags.ContainsKey("backends") || configuration.GetSection($"{Section}:Backends").GetChildren().Any());

    /// <summary>The forwarder's name: Forwarder:Name, else "cli".</summary>
    public static string Name(IConfiguration configuration) => configuration[$"{Section}:Name"] is { Length: > 0 } n ? n : "cli";

    /// <summary>Applies the command-line flags over the configured options (each only when given).</summary>
    public static void ApplyFlags(Dictionary<string, string> flags, IConfiguration configuration, ForwarderOptions o)
    {
        if (flags.TryGetValue("listen", out var listen))
        {
            o.Listen = listen;
        }

        if (flags.TryGetValue("scheduler", out var scheduler))
        {
            o.Scheduler = scheduler;
        }

        if (flags.ContainsKey("udp"))
        {
            o.Protocol = ForwarderProtocol.Udp;
        }

        if (flags.TryGetValue("drain-timeout", out var drain))
        {
            o.DrainTimeout = TimeSpan.FromSeconds(double.Parse(drain, CultureInfo.InvariantCulture));
        }
        else if (configuration[$"{Section}:DrainTimeout"] is null)
        {
            o.DrainTimeout = TimeSpan.FromSeconds(10); // the sample's default (the library's is 30 s)
        }
        if (flags.TryGetValue("check-interval", out var ci))
        {
            o.HealthCheck.Interval = TimeSpan.FromSeconds(double.Parse(ci, CultureInfo.InvariantCulture));
            o.HealthCheck.Timeout = o.HealthCheck.Interval < o.HealthCheck.Timeout ? o.HealthCheck.Interval : o.HealthCheck.Timeout;
        }

        if (flags.TryGetValue("max-connections", out var max))
        {
            o.MaxConnections = int.Parse(max, CultureInfo.InvariantCulture);
        }

        if (flags.TryGetValue("backends", out var backends))
        {
            o.Backends.Clear();
            foreach (var b in backends.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int star = b.LastIndexOf('*');
                o.Backends.Add(star < 0
                    ? new ForwarderBackendOptions { Address = b }
                    : new ForwarderBackendOptions { Address = b[..star], Weight = int.Parse(b[(star + 1)..], CultureInfo.InvariantCulture) });
            }
        }

        // TCP abuse limits (issue #12): timeouts in seconds, per-source connections and new connections per second.
        if (flags.TryGetValue("idle-timeout", out var it))
        {
            o.TcpIdleTimeout = TimeSpan.FromSeconds(double.Parse(it, CultureInfo.InvariantCulture));
        }

        if (flags.TryGetValue("first-byte-timeout", out var fbt))
        {
            o.TcpFirstByteTimeout = TimeSpan.FromSeconds(double.Parse(fbt, CultureInfo.InvariantCulture));
        }

        if (flags.TryGetValue("per-source-limit", out var psl))
        {
            o.TcpMaxConnectionsPerSource = int.Parse(psl, CultureInfo.InvariantCulture);
        }

        if (flags.TryGetValue("per-source-rate", out var psr))
        {
            o.TcpConnectionRatePerSource = double.Parse(psr, CultureInfo.InvariantCulture);
        }

        if (flags.ContainsKey("server-speaks-first"))
        {
            o.TcpWaitForClientData = false;
        }

        Replace(flags, "allow", o.AllowedSources);
        Replace(flags, "deny", o.DeniedSources);
    }

    private static void Replace(Dictionary<string, string> flags, string flag, IList<string> target)
    {
        if (flags.TryGetValue(flag, out var list))
        {
            target.Clear();
            foreach (var c in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                target.Add(c);
            }
        }
    }
}
