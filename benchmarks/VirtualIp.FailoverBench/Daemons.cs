using System.Globalization;
using System.Text.RegularExpressions;

namespace VirtualIp.FailoverBench;

/// <summary>A state change a daemon reported, with the best timestamp available for it.</summary>
/// <param name="At">The daemon's own timestamp (ours, ms resolution) or the arrival time of the line (keepalived logs whole seconds).</param>
/// <param name="Arrived">When the harness read the line.</param>
/// <param name="State">Master, Backup, Fault or Initialize.</param>
internal readonly record struct StateLine(DateTime At, DateTime Arrived, string State);

/// <summary>One VRRP daemon (ours or keepalived) on a lab node.</summary>
internal abstract class RouterDaemon : IDisposable
{
    protected RouterDaemon(string ns, int priority, TimeSpan interval, string vip)
    {
        Namespace = ns;
        Priority = priority;
        Interval = interval;
        Vip = vip;
    }

    public string Namespace { get; }

    public int Priority { get; }

    public TimeSpan Interval { get; }

    public string Vip { get; }

    protected Child? Process { get; set; }

    public string Log => Process?.Log ?? "";

    public abstract StateLine[] States { get; }

    public string? CurrentState => States is { Length: > 0 } s ? s[^1].State : null;

    public abstract void Start();

    /// <summary>SIGSTOP: the host froze; nothing more goes out.</summary>
    public abstract void Freeze();

    /// <summary>SIGKILL: no cleanup, the VIP stays in the kernel.</summary>
    public abstract void KillHard();

    /// <summary>SIGTERM: priority-0 advert, VIPs removed.</summary>
    public void Terminate() => Process?.Signal(Native.SIGTERM);

    public bool WaitForExit(TimeSpan timeout) => Process is null || Process.WaitForExit(timeout);

    public virtual void Dispose()
    {
        KillHard();
        Process?.Dispose();
    }

    /// <summary>"1s" → "1s", 100 ms → "100ms" (our command line).</summary>
    public static string Ms(TimeSpan t) => t.TotalMilliseconds % 1000 == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0}s")
        : string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:0}ms");
}

/// <summary>samples/VirtualIp.Failover under <c>dotnet</c>.</summary>
internal sealed partial class OursDaemon(string ns, int priority, TimeSpan interval, string vip, string dll, string workDir) : RouterDaemon(ns, priority, interval, vip)
{
    public override StateLine[] States =>
        [.. (Process?.Lines ?? []).Select(l => (l, m: StateChange().Match(l.Text))).Where(x => x.m.Success)
            .Select(x => new StateLine(DateTime.Parse(x.m.Groups[1].Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), x.l.Arrived, x.m.Groups[3].Value))];

    // A .dll runs under the dotnet host (JIT); anything else is a native executable (the Native AOT build).
    public override void Start() => Process = dll.EndsWith(".dll", StringComparison.Ordinal)
        ? Child.Start(Namespace, "dotnet", [dll, .. Arguments()], workDir)
        : Child.Start(Namespace, dll, Arguments(), workDir);

    private string[] Arguments() =>
        ["--interface", "eth0", "--vrid", "51", "--priority", Priority.ToString(CultureInfo.InvariantCulture), "--vip", Vip + "/24",
            "--advert-interval", Ms(Interval), "--vrrp-version", "3", "--name", "VI_51"];

    public override void Freeze() => Process?.Signal(Native.SIGSTOP);

    public override void KillHard() => Process?.Signal(Native.SIGKILL);

    [GeneratedRegex(@"^(\S+Z) \S+ (\w+) -> (\w+) \(")]
    private static partial Regex StateChange();
}

/// <summary>Debian's keepalived (-n -l: foreground, log to the console), same settings as ours.</summary>
internal sealed partial class KeepalivedDaemon(string ns, int priority, TimeSpan interval, string vip, string dir) : RouterDaemon(ns, priority, interval, vip)
{
    private string Conf => Path.Combine(dir, "keepalived.conf");

    private string VrrpPidFile => Path.Combine(dir, "vrrp.pid");

    public override StateLine[] States =>
        [.. (Process?.Lines ?? []).Select(l => (l, m: Entering().Match(l.Text))).Where(x => x.m.Success)
            .Select(x => new StateLine(x.l.Arrived, x.l.Arrived, CultureInfo.InvariantCulture.TextInfo.ToTitleCase(x.m.Groups[1].Value.ToLowerInvariant())))];

    public static string Config(int priority, TimeSpan interval, string vip) => string.Create(CultureInfo.InvariantCulture, $$"""
        global_defs {
          router_id fbench
          vrrp_version 3
        }
        vrrp_instance VI_51 {
          state BACKUP
          interface eth0
          virtual_router_id 51
          priority {{priority}}
          advert_int {{interval.TotalSeconds}}
          virtual_ipaddress {
            {{vip}}/24
          }
        }
        """);

    public override void Start()
    {
        Directory.CreateDirectory(dir);
        File.Delete(VrrpPidFile);
        File.WriteAllText(Conf, Config(Priority, Interval, Vip));
        Process = Child.Start(Namespace, "/usr/sbin/keepalived",
            ["-n", "-l", "-D", "-f", Conf, "-p", Path.Combine(dir, "keepalived.pid"), "-r", VrrpPidFile], dir);
    }

    private int VrrpPid() => File.Exists(VrrpPidFile) && int.TryParse(File.ReadAllText(VrrpPidFile).Trim(), out int pid) ? pid : 0;

    public override void Freeze()
    {
        Native.Kill(VrrpPid(), Native.SIGSTOP);
        Process?.Signal(Native.SIGSTOP);
    }

    /// <summary>The VRRP child first (parent stopped so it cannot respawn it): killed after its parent it would notice (PDEATHSIG) and send priority 0.</summary>
    public override void KillHard()
    {
        Process?.Signal(Native.SIGSTOP); // no respawn of the child
        Native.Kill(VrrpPid(), Native.SIGKILL);
        Process?.Signal(Native.SIGKILL);
    }

    [GeneratedRegex(@"Entering (\w+) STATE")]
    private static partial Regex Entering();
}
