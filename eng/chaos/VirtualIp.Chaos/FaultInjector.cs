using System.Diagnostics;
using System.Globalization;

namespace VirtualIp.Chaos;

/// <summary>Applies one fault to the cluster and heals it (blocking for the fault's duration).</summary>
internal sealed class FaultInjector(NamespaceLab lab, Member[] members, EchoResponder[] responders, AddressSampler sampler, string work)
{
    /// <summary>Raised when a member broke an invariant during the fault itself (a clean stop left a VIP behind, a
    /// member did not stop or start), with the nodes at fault.</summary>
    public event Action<string, int[]>? Violation;

    /// <summary>When the last injected fault healed (restart, SIGCONT, link up, rules removed; Stopwatch ticks).</summary>
    public long HealTicks { get; private set; }

    public void Inject(Fault f, CancellationToken ct)
    {
        HealTicks = 0;
        Apply(f, ct);
        if (HealTicks == 0)
        {
            HealTicks = Stopwatch.GetTimestamp();
        }
    }

    private void Apply(Fault f, CancellationToken ct)
    {
        switch (f.Kind)
        {
            case "kill":
                {
                    var m = members[f.Node - 1];
                    m.Kill();
                    responders[f.Node - 1].Muted = true;
                    Sleep(f.Duration, ct);
                    m.Start();
                    HealTicks = Stopwatch.GetTimestamp();
                    responders[f.Node - 1].Muted = false;
                    WaitUp([m], ct);
                    break;
                }

            case "freeze":
                members[f.Node - 1].Freeze();
                responders[f.Node - 1].Muted = true;
                Sleep(f.Duration, ct);
                members[f.Node - 1].Thaw();
                responders[f.Node - 1].Muted = false;
                break;
            case "link":
                Shell.Must("ip", "-n", lab.Switch, "link", "set", NamespaceLab.Port(f.Node), "down");
                try
                {
                    Sleep(f.Duration, ct);
                }
                finally
                {
                    Shell.Must("ip", "-n", lab.Switch, "link", "set", NamespaceLab.Port(f.Node), "up");
                }

                break;
            case "partition" or "advert-loss":
                {
                    string me = $"\"{NamespaceLab.Port(f.Node)}\"";
                    string others = "{ " + string.Join(", ", Enumerable.Range(1, lab.Nodes).Where(i => i != f.Node).Select(i => $"\"{NamespaceLab.Port(i)}\"")) + " }";
                    string rules = f.Kind == "partition"
                        ? $"iifname {me} oifname {others} drop\n    iifname {others} oifname {me} drop"
                        : $"iifname {me} oifname {others} ip protocol 112 drop\n    iifname {me} oifname {others} ip6 nexthdr 112 drop";
                    Nft($"table bridge chaos {{\n  chain chaosfwd {{\n    type filter hook forward priority 0; policy accept;\n    {rules}\n  }}\n}}\n");
                    try
                    {
                        Sleep(f.Duration, ct);
                    }
                    finally
                    {
                        Shell.Run("ip", "netns", "exec", lab.Switch, "nft", "delete", "table", "bridge", "chaos");
                    }

                    break;
                }

            case FaultPlan.ClockStep:
                {
                    // The node's wall clock jumps (its processes read the offset within a second); monotonic time and
                    // timers are untouched, as with an NTP step. Stepped back at the heal.
                    var m = members[f.Node - 1];
                    m.StepClock(f.Offset);
                    try
                    {
                        Sleep(f.Duration, ct);
                    }
                    finally
                    {
                        m.StepClock(TimeSpan.Zero);
                    }

                    // Heal = when every process of the node has read the restored offset (libfaketime's cache: 1 s).
                    Sleep(TimeSpan.FromSeconds(1.1), ct);
                    break;
                }

            case "cpu-hog":
                Shell.Must("stress-ng", "--cpu", "2", "--timeout", string.Create(CultureInfo.InvariantCulture, $"{f.Duration.TotalSeconds:0.###}s"), "--quiet");
                break;
            case "addr-del":
                {
                    // Behind the holder's back: the VIP goes from whichever node holds it now.
                    var now = sampler.Fresh();
                    int mask = f.IPv6 ? now.V6 : now.V4;
                    string vip = f.IPv6 ? ChaosConfig.VipV6 + "/64" : ChaosConfig.VipV4 + "/24";
                    for (int i = 1; i <= lab.Nodes; i++)
                    {
                        if ((mask & (1 << (i - 1))) != 0)
                        {
                            Shell.Run("ip", "-n", lab.Node(i), "addr", "del", vip, "dev", "eth0");
                        }
                    }

                    break;
                }

            case "restart-all":
                {
                    foreach (var m in members)
                    {
                        m.Stop(TimeSpan.Zero); // SIGTERM to all at once
                    }

                    foreach (var m in members)
                    {
                        if (!m.Stop(TimeSpan.FromSeconds(15)))
                        {
                            Violation?.Invoke($"n{m.Node} ({m.Kind}) did not exit within 15 s of SIGTERM", [m.Node]);
                            m.Kill();
                        }
                    }

                    foreach (var r in responders)
                    {
                        r.Muted = true;
                    }

                    var left = sampler.Fresh();
                    if (left.V4 != 0 || left.V6 != 0)
                    {
                        Violation?.Invoke($"VIP left after a clean stop of every member: IPv4 on {Nodes(left.V4)}, IPv6 on {Nodes(left.V6)}", Holders(left.V4 | left.V6));
                    }

                    Sleep(f.Duration, ct);
                    foreach (var m in members)
                    {
                        m.Start();
                    }

                    HealTicks = Stopwatch.GetTimestamp();
                    foreach (var r in responders)
                    {
                        r.Muted = false;
                    }

                    WaitUp(members, ct);
                    break;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(f), f.Kind, "unknown fault kind");
        }
    }

    /// <summary>The node numbers in a holder mask.</summary>
    public static int[] Holders(int mask) => [.. Enumerable.Range(1, 8).Where(i => (mask & (1 << (i - 1))) != 0)];

    /// <summary>"n1,n3" for a holder mask, "none" for 0.</summary>
    public static string Nodes(int mask) =>
        mask == 0 ? "none" : string.Join(',', Enumerable.Range(1, 8).Where(i => (mask & (1 << (i - 1))) != 0).Select(i => $"n{i}"));

    private void Nft(string ruleset)
    {
        string file = Path.Combine(work, "chaos.nft");
        File.WriteAllText(file, ruleset);
        Shell.Must("ip", "netns", "exec", lab.Switch, "nft", "-f", file);
    }

    /// <summary>Waits until every member has reported a state for both routers (start-up done), at most 60 s.</summary>
    private void WaitUp(Member[] which, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (which.All(m => m.StateOf("VI_51") is not null && m.StateOf("VI_52") is not null))
            {
                return;
            }

            if (which.FirstOrDefault(m => !m.Running) is { } dead)
            {
                Violation?.Invoke($"n{dead.Node} ({dead.Kind}) exited during start-up", [dead.Node]);
                return;
            }

            Sleep(TimeSpan.FromMilliseconds(20), ct);
        }

        Violation?.Invoke($"not every member reported a state within 60 s of its start: {string.Join(", ", which.Select(m => $"n{m.Node}={m.StateOf("VI_51")}/{m.StateOf("VI_52")}"))}",
            [.. which.Where(m => m.StateOf("VI_51") is null || m.StateOf("VI_52") is null).Select(m => m.Node)]);
    }

    private static void Sleep(TimeSpan t, CancellationToken ct)
    {
        if (t > TimeSpan.Zero && ct.WaitHandle.WaitOne(t))
        {
            throw new OperationCanceledException(ct);
        }
    }
}
