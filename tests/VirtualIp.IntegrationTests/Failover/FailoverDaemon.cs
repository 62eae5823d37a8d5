using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Failover;

/// <summary>Where the samples/VirtualIp.Failover build is (built with this project: a ProjectReference without the assembly).</summary>
internal static class FailoverSample
{
    /// <summary>The sample's dll: $VIRTUALIP_FAILOVER_DLL, else the path baked in at build time (same Configuration).</summary>
    public static string Dll
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("VIRTUALIP_FAILOVER_DLL");
            if (!string.IsNullOrEmpty(env))
            {
                return env;
            }

            string? baked = typeof(FailoverSample).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "FailoverSampleDll")?.Value;
            return baked is not null && File.Exists(baked)
                ? baked
                : throw new InvalidOperationException(
                    $"samples/VirtualIp.Failover was not built at '{baked}' (it builds with this test project); or set VIRTUALIP_FAILOVER_DLL");
        }
    }

    /// <summary>The dotnet host that runs the dll.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } p && File.Exists(p) ? p
        : TestEnvironment.FindOnPath("dotnet") ?? "/usr/share/dotnet/dotnet";
}

/// <summary>A state change a daemon printed.</summary>
internal readonly record struct DaemonState(DateTime At, string State);

/// <summary>
/// A VRRP daemon in a lab namespace, either the Failover sample or keepalived (-n -l: foreground, log to the console),
/// with its output captured. Dispose kills it (SIGKILL; keepalived's VRRP child first). The namespace going away
/// with the lab removes any VIP it left.
/// </summary>
internal sealed partial class FailoverDaemon : IDisposable
{
    private static readonly ConcurrentBag<FailoverDaemon> s_live = [];
    private readonly Process _process;
    private readonly List<(DateTime Arrived, string Text)> _lines = [];
    private readonly string _dir;
    private int _disposed;

    static FailoverDaemon() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var d in s_live)
        {
            d.Dispose();
        }
    };

    private FailoverDaemon(string name, bool isKeepalived, Process process, string dir)
    {
        Name = name;
        IsKeepalived = isKeepalived;
        _process = process;
        _dir = dir;
    }

    /// <summary>"ours" or "keepalived" plus the node, for messages.</summary>
    public string Name { get; }

    public bool IsKeepalived { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The daemon's working directory (where the Failover sample reads appsettings.json from, with reload on change).</summary>
    public string WorkingDirectory => _dir;

    /// <summary>The process started (ip, which execs the daemon, or unshare for <c>asPid1</c>).</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts the Failover sample in <paramref name="node"/> with the given arguments (interface eth0 is added), with extra
    /// <paramref name="environment"/> variables; <paramref name="asPid1"/> runs it as PID 1 of a new PID namespace
    /// (unshare), which with NOTIFY_SOCKET set is how a containerised systemd service looks to it. <paramref name="hostMounts"/>
    /// enters only the node's network namespace (<c>nsenter --net</c>) instead of <c>ip netns exec</c>, which also remounts
    /// /sys and so hides the cgroup mounts.
    /// </summary>
    public static FailoverDaemon StartOurs(LabNode node, IEnumerable<string> args, string? appSettingsJson = null,
        IReadOnlyDictionary<string, string>? environment = null, bool asPid1 = false, bool hostMounts = false)
    {
        var dir = Directory.CreateTempSubdirectory("vip-failover-").FullName; // working dir: no stray appsettings.json
        if (appSettingsJson is not null)
        {
            File.WriteAllText(Path.Combine(dir, "appsettings.json"), appSettingsJson);
        }

        string[] command = [FailoverSample.Dll, "--interface", node.Interface, .. args];
        return asPid1
            ? Start($"ours@{node.Name}", false, node.Namespace, TestingTools.Resolve("unshare"),
                ["--pid", "--fork", "--kill-child", "--mount-proc", FailoverSample.DotnetHost, .. command], dir, environment)
            : Start($"ours@{node.Name}", false, node.Namespace, FailoverSample.DotnetHost, command, dir, environment, hostMounts);
    }

    /// <summary>Starts keepalived in <paramref name="node"/> with <paramref name="config"/>.</summary>
    public static FailoverDaemon StartKeepalived(LabNode node, string config, string? binary = null)
    {
        var dir = Directory.CreateTempSubdirectory("vip-keepalived-").FullName;
        string conf = Path.Combine(dir, "keepalived.conf");
        File.WriteAllText(conf, config);
        return Start($"keepalived@{node.Name}", true, node.Namespace, binary ?? TestEnvironment.FindOnPath("keepalived") ?? "/usr/sbin/keepalived",
            ["-n", "-l", "-D", "-f", conf, "-p", Path.Combine(dir, "keepalived.pid"), "-r", Path.Combine(dir, "vrrp.pid")], dir);
    }

    private static FailoverDaemon Start(string name, bool isKeepalived, string ns, string program, IEnumerable<string> args, string dir,
        IReadOnlyDictionary<string, string>? environment = null, bool hostMounts = false)
    {
        var psi = new ProcessStartInfo(TestingTools.Resolve(hostMounts ? "nsenter" : "ip"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("VIRTUALIP__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            psi.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        string[] enter = hostMounts ? [$"--net=/run/netns/{ns}", "--", program] : ["netns", "exec", ns, program];
        foreach (var a in enter.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        var process = new Process { StartInfo = psi };
        var daemon = new FailoverDaemon(name, isKeepalived, process, dir);
        process.OutputDataReceived += (_, e) => daemon.Add(e.Data);
        process.ErrorDataReceived += (_, e) => daemon.Add(e.Data);
        process.Start();
        s_live.Add(daemon);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return daemon;
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            lock (_lines)
            {
                _lines.Add((DateTime.UtcNow, line));
            }
        }
    }

    /// <summary>Everything it printed so far.</summary>
    public string Log
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines.Select(l => l.Text));
            }
        }
    }

    /// <summary>
    /// The state changes so far. Ours: "TIMESTAMP VI_51 Backup -> Master (Reason) ..." with its own timestamp;
    /// keepalived: "(VI_51) Entering MASTER STATE" stamped when the line arrived.
    /// </summary>
    public IReadOnlyList<DaemonState> States
    {
        get
        {
            (DateTime Arrived, string Text)[] lines;
            lock (_lines)
            {
                lines = [.. _lines];
            }

            var states = new List<DaemonState>();
            foreach (var (arrived, text) in lines)
            {
                if (IsKeepalived)
                {
                    if (Entering().Match(text) is { Success: true } k)
                    {
                        states.Add(new DaemonState(arrived, CultureInfo.InvariantCulture.TextInfo.ToTitleCase(k.Groups[1].Value.ToLowerInvariant())));
                    }
                }
                else if (Transition().Match(text) is { Success: true } m)
                {
                    var at = DateTime.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
                    states.Add(new DaemonState(at, m.Groups[2].Value));
                }
            }

            return states;
        }
    }

    /// <summary>The latest state it reported, or null.</summary>
    public string? State => States is { Count: > 0 } s ? s[^1].State : null;

    /// <summary>SIGTERM: a master sends priority 0 and removes its VIPs. Waits for the exit.</summary>
    public bool Stop(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            LabInterop.Kill(_process.Id, 15);
        }

        return _process.WaitForExit(timeout);
    }

    /// <summary>
    /// Reload, as an operator does: keepalived gets its new configuration file and SIGHUP (to the parent); ours gets a new
    /// appsettings.json in its working directory and SIGHUP.
    /// </summary>
    public void Reload(string content)
    {
        File.WriteAllText(Path.Combine(_dir, IsKeepalived ? "keepalived.conf" : "appsettings.json"), content);
        LabInterop.Kill(_process.Id, 1 /* SIGHUP */);
    }

    private int VrrpChildPid()
    {
        string file = Path.Combine(_dir, "vrrp.pid");
        try
        {
            return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out int pid) ? pid : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                if (IsKeepalived)
                {
                    // Parent stopped (no respawn), VRRP child killed first: killed after its parent it would send priority 0.
                    LabInterop.Kill(_process.Id, 19);
                    if (VrrpChildPid() is > 0 and int child)
                    {
                        LabInterop.Kill(child, 9);
                    }
                }

                LabInterop.Kill(_process.Id, 9);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
    
    [GeneratedRegex(@"^(\S+Z) \S+ \w+ -> (\w+) \(")]
    private static partial Regex Transition();

    [GeneratedRegex(@"Entering (\w+) STATE")]
    private static partial Regex Entering();
}
