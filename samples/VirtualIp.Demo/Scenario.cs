using System.Diagnostics;
using VirtualIp.Election;

namespace VirtualIp.Demo;

/// <summary>
/// The story, told the same way on either network: three nodes elect a master, the client reaches the VIP, the master
/// dies, a backup takes over (measured outage vs Master_Down_Interval), the old master returns and preempts, all stop.
/// </summary>
internal sealed class Scenario(IDemoNetwork network)
{
    private readonly Observations _obs = new();

    /// <summary>The closing lines, printed by the caller once everything is cleaned up.</summary>
    public List<string> Summary { get; } = [];

    /// <summary>Runs the story; 0 when the VIP was taken over and given back, 1 otherwise.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        var vip = DemoSettings.Vip;
        Narrator.Plain(network.Title);
        Narrator.Plain($"VIP {vip}{(V6 ? $" and {DemoSettings.Vip6} (a second router, IPv6)" : "")}, VRID {DemoSettings.VirtualRouterId}, VRRPv3, advert interval {Narrator.Ms(DemoSettings.AdvertInterval)}; " +
            $"nodes {string.Join(", ", DemoSettings.Nodes.Select(n => $"{n.Name} {n.Address} priority {n.Priority}"))}; " +
            $"client {DemoSettings.ClientAddress} probes the VIP every {Narrator.Ms(DemoSettings.ProbeInterval)} (UDP echo, port {DemoSettings.EchoPort}).");
        Narrator.Plain("");

        await network.BuildAsync(ct);
        await network.StartProbeAsync(_obs, ct);
        Narrator.Say("starting VirtualIp on n1, n2 and n3");
        await Task.WhenAll(DemoSettings.Nodes.Select(n => network.StartNodeAsync(n, _obs, ct)));

        // 1. Election.
        // All three up, one master, the client reaching it; then a second of quiet (a node that starts late may preempt first).
        bool Settled() => DemoSettings.Nodes.All(n => _obs.StateOf(n.Name) != VrrpState.Initialize) && _obs.Master is { } m && _obs.Responder == m &&
            (!V6 || (_obs.Master6 == m && _obs.Responder6 == m));
        var electionDeadline = Stopwatch.StartNew();
        bool elected = false;
        while (!elected && electionDeadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (await WaitAsync(Settled, TimeSpan.FromSeconds(20) - electionDeadline.Elapsed, ct))
            {
                string? before = _obs.Master;
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                elected = Settled() && _obs.Master == before;
            }
        }

        if (!elected)
        {
            Narrator.Say($"FAILED: no master answering the client within 20 s (master {_obs.Master ?? "none"}, client reaches {_obs.Responder ?? "nothing"})");
            Summary.Add("FAILED: no node became master and answered the client");
            return 1;
        }

        var master = DemoSettings.Node(_obs.Master!);
        await ReportAsync($"{master.Name} is master", ct);

        // 2. The master dies.
        var expected = DemoSettings.Nodes.Where(n => n != master).MaxBy(n => n.Priority)!;
        var mdi = DemoSettings.MasterDownInterval(expected.Priority);
        Narrator.Plain("");
        Narrator.Say($"killing the master {master.Name} like a dead host: no priority-0 advert, nothing more from it");
        var killedAt = Narrator.Now;
        await network.KillNodeAsync(master, ct);
        _obs.MarkDead(master.Name, dead: true);
        // 8 s: if two backups' timers expire together (priorities 120 and 100 differ by only 8 ms of Skew_Time at 100 ms
        // adverts), the loser's gratuitous ARP can land last; the winner's second burst (5 s later) puts the client right.
        bool tookOver = await WaitAsync(() => _obs.Responder is { } r && r != master.Name && _obs.Master == r, TimeSpan.FromSeconds(8), ct);
        string? newMaster = _obs.Master;
        var takeover = newMaster is null ? null : _obs.AnswerAfter(killedAt, newMaster);
        bool tookOver6 = !V6 || (newMaster is not null &&
            await WaitAsync(() => _obs.Master6 == newMaster && _obs.Responder6 == newMaster, TimeSpan.FromSeconds(3), ct));
        var takeover6 = V6 && newMaster is not null ? _obs.AnswerAfter(killedAt, newMaster, ipv6: true) : null;
        if (!tookOver || !tookOver6 || takeover is null || newMaster is null)
        {
            Narrator.Say($"FAILED: the VIP was not taken over within 8 s (master {newMaster ?? "none"}, client reaches {_obs.Responder ?? "nothing"})");
            Summary.Add($"FAILED: the VIP was not taken over after {master.Name} died (Master_Down_Interval {Narrator.Ms(mdi)})");
            return 1;
        }

        mdi = DemoSettings.MasterDownInterval(DemoSettings.Node(newMaster).Priority);
        var electedAt = _obs.MasterSince(newMaster) ?? killedAt;
        var boundAt = _obs.BoundAt(newMaster) ?? electedAt;
        await ReportAsync($"{newMaster} took over", ct);
        Narrator.Say($"outage seen by the client: {Narrator.Ms(takeover.Gap)} ({Narrator.Probes(takeover.Lost)} lost) = {newMaster} master " +
            $"{Narrator.Ms(electedAt - killedAt)} after the kill (Master_Down_Interval for priority {DemoSettings.Node(newMaster).Priority} is {Narrator.Ms(mdi)}, " +
            $"counted from the last advert it heard) + VIP bound {Narrator.Ms(boundAt - electedAt)} later + first answer {Narrator.Ms(takeover.At - boundAt)} after that");
        if (electedAt - killedAt > mdi + TimeSpan.FromMilliseconds(30))
        {
            // The timer cannot expire later than Master_Down_Interval after the kill unless the node was not scheduled.
            Narrator.Say($"note: {newMaster}'s timer fired {Narrator.Ms(electedAt - killedAt - mdi)} late: the machine is busy{LoadAverage()}");
        }

        if (takeover6 is not null)
        {
            Narrator.Say($"IPv6 outage seen by the client: {Narrator.Ms(takeover6.Gap)} ({Narrator.Probes(takeover6.Lost)} lost)");
        }
        await Task.Delay(TimeSpan.FromMilliseconds(700), ct);

        // 3. The old master comes back and preempts.
        Narrator.Plain("");
        Narrator.Say($"{master.Name} comes back: it reboots and VirtualIp starts again (priority {master.Priority} > {DemoSettings.Node(newMaster).Priority}, preemption on)");
        var revivedAt = Narrator.Now;
        _obs.MarkDead(master.Name, dead: false); // before it starts: its first events must count
        await network.ReviveNodeAsync(master, _obs, ct);
        bool back = await WaitAsync(() => _obs.Master == master.Name && _obs.Responder == master.Name && _obs.StateOf(newMaster) == VrrpState.Backup &&
            (!V6 || (_obs.Master6 == master.Name && _obs.Responder6 == master.Name)), TimeSpan.FromSeconds(15), ct);
        var giveBack = _obs.AnswerAfter(revivedAt, master.Name);
        if (back)
        {
            await ReportAsync($"{master.Name} is master again", ct);
            if (giveBack is not null)
            {
                Narrator.Say($"hand-back seen by the client: gap {Narrator.Ms(giveBack.Gap)}, {Narrator.Probes(giveBack.Lost)} lost");
            }
        }
        else
        {
            Narrator.Say($"{master.Name} did not take the VIP back within 15 s (master {_obs.Master ?? "none"}, client reaches {_obs.Responder ?? "nothing"})");
        }

        // 4. Everyone stops gracefully: backups first, then the master (priority 0 advert, VIP released).
        Narrator.Plain("");
        Narrator.Say("stopping all nodes gracefully, backups first (the master sends priority 0 and releases the VIP)");
        var order = DemoSettings.Nodes.OrderBy(n => n.Name == _obs.Master ? 1 : 0).ToList();
        foreach (var n in order)
        {
            await network.StopNodeAsync(n, ct);
        }

        var left = (await network.HoldersAsync(vip, ct)).Concat(V6 ? await network.HoldersAsync(DemoSettings.Vip6, ct) : []).ToList();
        Narrator.Say(left.Count == 0 ? $"no node holds {vip}{(V6 ? $" or {DemoSettings.Vip6}" : "")} any more ({network.HolderSource})" : $"still holding a VIP: {string.Join(", ", left)}");
        total.Stop();

        Summary.Add($"summary: {master.Name} (priority {master.Priority}) died; {newMaster} took the VIP, the client followed its gratuitous ARP; " +
            $"{master.Name} came back and {(back ? "preempted" : "did NOT preempt")}" +
            (back && giveBack is not null ? $" (client gap {Narrator.Ms(giveBack.Gap)}, {Narrator.Probes(giveBack.Lost)} lost)" : "") +
            $"; scenario took {total.Elapsed.TotalSeconds:0.0} s");
        Summary.Add($"outage {Narrator.Ms(takeover.Gap)}{(takeover6 is null ? "" : $", IPv6 {Narrator.Ms(takeover6.Gap)}")} (Master_Down_Interval {Narrator.Ms(mdi)})");
        return back && left.Count == 0 ? 0 : 1;
    }

    private static bool V6 => DemoSettings.WithIpv6;

    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? $" (load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} CPUs)" : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private async Task ReportAsync(string what, CancellationToken ct)
    {
        await ReportAsync(what, DemoSettings.Vip, _obs.Responder, ct);
        if (V6)
        {
            await ReportAsync("  and IPv6", DemoSettings.Vip6, _obs.Responder6, ct);
        }
    }

    private async Task ReportAsync(string what, Addressing.VipAddress vip, string? responder, CancellationToken ct)
    {
        var holders = await network.HoldersAsync(vip, ct);
        var (view, node) = await network.ClientViewAsync(vip, ct);
        Narrator.Say($"{what}: holder of {vip.Address} = {(holders.Count == 0 ? "nobody" : string.Join(", ", holders))} ({network.HolderSource}); " +
            $"client's view: {view}{(node is null ? "" : $" = {node.Name}")}; client's probes reach {responder ?? "nothing"}");
    }

    private static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            await Task.Delay(5, ct);
        }

        return true;
    }
}
