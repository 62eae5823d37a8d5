using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace VirtualIp.Chaos;

/// <summary>A state change a member reported: router name (VI_51 IPv4, VI_52 IPv6), the new state, when it was read.</summary>
internal readonly record struct StateLine(DateTime Arrived, string Router, string State);

/// <summary>
/// One cluster member (ours or keepalived) on a lab node, running two routers: VRID 51 for the IPv4 VIP and VRID 52
/// for the IPv6 VIP, VRRPv3, the given priority and advert interval, preempt on. Each start is a new process; the
/// output of every incarnation is kept for the logs.
/// </summary>
internal abstract partial class Member(int node, string ns, int priority, ChaosConfig config, string dir) : IDisposable
{
    private readonly StringBuilder _history = new();

    public int Node { get; } = node;

    public string Namespace { get; } = ns;

    public int Priority { get; } = priority;

    protected ChaosConfig Config { get; } = config;

    protected string Dir { get; } = dir;

    protected Child? Process { get; set; }

    public abstract string Kind { get; }

    public bool Running => Process is { HasExited: false };

    /// <summary>State lines of the current incarnation.</summary>
    public StateLine[] States => [.. (Process?.Lines ?? []).Select(Parse).Where(s => s is not null).Select(s => s!.Value)];

    /// <summary>The last state of <paramref name="router"/> in the current incarnation, or null.</summary>
    public string? StateOf(string router) => States.LastOrDefault(s => s.Router == router) is { Router: not null } s ? s.State : null;

    public string Log
    {
        get
        {
            var text = new StringBuilder(_history.ToString());
            foreach (var l in Process?.Lines ?? [])
            {
                text.Append(l.Arrived.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)).Append(' ').AppendLine(l.Text);
            }

            return text.ToString();
        }
    }

    protected abstract StateLine? Parse(StampedLine line);

    /// <summary>libfaketime's offset file for this node (read at most once a second by the member's process).</summary>
    private string ClockFile => Path.Combine(Dir, "faketime");

    /// <summary>
    /// With --auth hmac: libfaketime preloaded, faking CLOCK_REALTIME only (timers, the monotonic clock and the harness's
    /// own clocks are untouched) with the offset in <see cref="ClockFile"/>; empty otherwise.
    /// </summary>
    protected Dictionary<string, string> ClockEnvironment()
    {
        if (!Config.Hmac)
        {
            return [];
        }

        if (!File.Exists(ClockFile))
        {
            File.WriteAllText(ClockFile, "+0\n");
        }

        return new()
        {
            ["LD_PRELOAD"] = Config.FakeTimeLibrary,
            ["FAKETIME_TIMESTAMP_FILE"] = ClockFile,
            ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
            ["FAKETIME_CACHE_DURATION"] = "1",

            // glibc >= 2.34 makes libfaketime turn on its "monotonic fix" by itself, and .NET's condition-variable
            // waits (which time out on CLOCK_MONOTONIC) then return at once and spin: ~190 % CPU per member instead of
            // ~1 %, measured. The monotonic clock is not faked here, so the fix has nothing to fix.
            ["FAKETIME_FORCE_MONOTONIC_FIX"] = "0",
        };
    }

    /// <summary>Steps this node's wall clock to real time + <paramref name="offset"/> (zero: back to real time).</summary>
    public void StepClock(TimeSpan offset) =>
        File.WriteAllText(ClockFile, string.Create(CultureInfo.InvariantCulture, $"{offset.TotalSeconds:+0;-0;+0}\n"));

    protected abstract Child Launch();

    public void Start()
    {
        Retire();
        Directory.CreateDirectory(Dir);
        Process = Launch();
    }

    /// <summary>SIGKILL: no cleanup, the VIPs stay in the kernel.</summary>
    public abstract void Kill();

    /// <summary>SIGSTOP: frozen; nothing goes out.</summary>
    public abstract void Freeze();

    /// <summary>SIGCONT.</summary>
    public abstract void Thaw();

    /// <summary>SIGTERM: priority-0 advert, VIPs removed; true when it exited within <paramref name="timeout"/>.</summary>
    public bool Stop(TimeSpan timeout)
    {
        if (Process is null || Process.HasExited)
        {
            return true;
        }

        Process.Signal(Native.SIGTERM);
        return Process.WaitForExit(timeout);
    }

    /// <summary>Keeps the output of the current incarnation in the history and forgets the process (killing it if still alive).</summary>
    private void Retire()
    {
        if (Process is null)
        {
            return;
        }

        foreach (var l in Process.Lines)
        {
            _history.Append(l.Arrived.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)).Append(' ').AppendLine(l.Text);
        }

        _history.AppendLine("---- (process ended; restarted) ----");
        Process.Dispose();
        Process = null;
    }

    public virtual void Dispose()
    {
        if (Process is { HasExited: false })
        {
            Kill();
        }

        Process?.Dispose();
        Process = null;
    }
}

/// <summary>samples/VirtualIp.Failover under <c>dotnet</c>: router 0 (IPv4) from the command line, router 1 (IPv6) from the environment.</summary>
internal sealed partial class OursMember(int node, string ns, int priority, ChaosConfig config, string dir) : Member(node, ns, priority, config, dir)
{
    public override string Kind => "ours";

    protected override Child Launch()
    {
        string p = Priority.ToString(CultureInfo.InvariantCulture);
        string[] args = ["--interface", "eth0", "--vrid", "51", "--priority", p, "--vip", ChaosConfig.VipV4 + "/24",
            "--advert-interval", Config.IntervalText, "--vrrp-version", "3", "--name", "VI_51"];
        var env = new Dictionary<string, string>(ClockEnvironment())
        {
            ["VIRTUALIP__ROUTERS__1__NAME"] = "VI_52",
            ["VIRTUALIP__ROUTERS__1__INTERFACE"] = "eth0",
            ["VIRTUALIP__ROUTERS__1__VIRTUALROUTERID"] = "52",
            ["VIRTUALIP__ROUTERS__1__PRIORITY"] = p,
            ["VIRTUALIP__ROUTERS__1__VIPS__0"] = ChaosConfig.VipV6 + "/64",
            ["VIRTUALIP__ROUTERS__1__ADVERTISEMENTINTERVAL"] = Config.IntervalText,
            ["VIRTUALIP__ROUTERS__1__VERSION"] = "3",
        };
        if (Config.Hmac)
        {
            foreach (int r in (int[])[0, 1])
            {
                env[$"VIRTUALIP__ROUTERS__{r}__AUTHHMAC__KEYS__0"] = "1:hex:" + ChaosConfig.HmacKeyHex;
                env[$"VIRTUALIP__ROUTERS__{r}__AUTHHMAC__ACTIVEKEY"] = "1";
            }
        }

        return Config.FailoverDll.EndsWith(".dll", StringComparison.Ordinal)
            ? Child.Start(Namespace, "dotnet", [Config.FailoverDll, .. args], Dir, env)
            : Child.Start(Namespace, Config.FailoverDll, args, Dir, env);
    }

    protected override StateLine? Parse(StampedLine line) =>
        StateChange().Match(line.Text) is { Success: true } m ? new StateLine(line.Arrived, m.Groups[1].Value, m.Groups[2].Value) : null;

    public override void Kill() => Process?.Signal(Native.SIGKILL);

    public override void Freeze() => Process?.Signal(Native.SIGSTOP);

    public override void Thaw() => Process?.Signal(Native.SIGCONT);

    [GeneratedRegex(@"^\S+Z (VI_\d+) \w+ -> (\w+) \(")]
    private static partial Regex StateChange();
}

/// <summary>keepalived (-n -l -D: foreground, log to the console), the same two routers.</summary>
internal sealed partial class KeepalivedMember(int node, string ns, int priority, ChaosConfig config, string dir) : Member(node, ns, priority, config, dir)
{
    public override string Kind => "keepalived";

    private string Conf => Path.Combine(Dir, "keepalived.conf");

    private string VrrpPidFile => Path.Combine(Dir, "vrrp.pid");

    private string ConfigText() => string.Create(CultureInfo.InvariantCulture, $$"""
        global_defs {
          router_id chaos-n{{Node}}
          vrrp_version 3
          vrrp_higher_prio_send_advert {{(Config.KeepalivedSendsAdvertOnYield ? "true" : "false")}}
        }
        vrrp_instance VI_51 {
          state BACKUP
          interface eth0
          virtual_router_id 51
          priority {{Priority}}
          advert_int {{Config.Interval.TotalSeconds}}
          virtual_ipaddress {
            {{ChaosConfig.VipV4}}/24
          }
        {{AuthBlock()}}
        }
        vrrp_instance VI_52 {
          state BACKUP
          interface eth0
          virtual_router_id 52
          priority {{Priority}}
          advert_int {{Config.Interval.TotalSeconds}}
          virtual_ipaddress {
            {{ChaosConfig.VipV6}}/64
          }
        {{AuthBlock()}}
        }
        """);

    /// <summary>keepalived 2.4.3's auth_hmac with the lab key (time anti-replay, the default window), or nothing.</summary>
    private string AuthBlock() => Config.Hmac
        ? $"  auth_hmac {{\n            key 1 hex:{ChaosConfig.HmacKeyHex}\n            active_key 1\n          }}"
        : "";

    protected override Child Launch()
    {
        File.Delete(VrrpPidFile);
        File.WriteAllText(Conf, ConfigText());
        return Child.Start(Namespace, Config.KeepalivedBinary,
            ["-n", "-l", "-D", "-f", Conf, "-p", Path.Combine(Dir, "keepalived.pid"), "-r", VrrpPidFile], Dir, ClockEnvironment());
    }

    private int VrrpPid() => File.Exists(VrrpPidFile) && int.TryParse(File.ReadAllText(VrrpPidFile).Trim(), out int pid) ? pid : 0;

    protected override StateLine? Parse(StampedLine line) =>
        Entering().Match(line.Text) is { Success: true } m
            ? new StateLine(line.Arrived, m.Groups[1].Value, CultureInfo.InvariantCulture.TextInfo.ToTitleCase(m.Groups[2].Value.ToLowerInvariant()))
            : null;

    /// <summary>The VRRP child first (parent stopped so it cannot respawn it): killed after its parent it would notice and send priority 0.</summary>
    public override void Kill()
    {
        Process?.Signal(Native.SIGSTOP);
        Native.Kill(VrrpPid(), Native.SIGKILL);
        Process?.Signal(Native.SIGKILL);
    }

    public override void Freeze()
    {
        Native.Kill(VrrpPid(), Native.SIGSTOP);
        Process?.Signal(Native.SIGSTOP);
    }

    public override void Thaw()
    {
        Process?.Signal(Native.SIGCONT);
        Native.Kill(VrrpPid(), Native.SIGCONT);
    }

    [GeneratedRegex(@"\((VI_\d+)\) Entering (\w+) STATE")]
    private static partial Regex Entering();
}
