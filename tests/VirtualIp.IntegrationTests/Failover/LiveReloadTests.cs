using System.Diagnostics;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Failover;

/// <summary>
/// Live reload end to end: the Failover sample (real kernel, a lab namespace per node) reads appsettings.json from its
/// working directory with reload on change. Editing the running master's file (priority up, one VIP more) changes no
/// state and the new VIP is on the interface within 1 s; an invalid edit is logged with its key and changes nothing.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class LiveReloadTests
{
    private const string Vip2 = "192.0.2.101";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Settings(int priority, params string[] vips) =>
        $$"""{ "VirtualIp": { "Routers": [ { "Priority": {{priority}}, "Vips": [ {{string.Join(", ", vips.Select(v => $"\"{v}\""))}} ] } ] } }""";

    /// <summary>Writes the file the way an editor saving in place does (truncate and write), and returns when it was written.</summary>
    private static DateTime Edit(FailoverDaemon daemon, string json)
    {
        File.WriteAllText(Path.Combine(daemon.WorkingDirectory, "appsettings.json"), json);
        return DateTime.UtcNow;
    }

    [Fact]
    public async Task Editing_the_masters_appsettings_applies_priority_and_a_new_vip_without_a_state_change()
    {
        TestEnvironment.RequireRootAndTools("ip");
        var spec = new ClusterSpec(3, IPv6: false, Unicast: false, TimeSpan.FromMilliseconds(100));
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 2 }, Ct);
        LabNode n1 = lab.Node(1), n2 = lab.Node(2);

        // Priority and VIPs of node 1 come from its appsettings.json only (the command line would win over the file).
        string[] args = ["--vrid", "51", "--name", "VI_51", "--advert-interval", "100ms"];
        using var master = FailoverDaemon.StartOurs(n1, args, Settings(150, spec.VipCidr));
        using var backup = FailoverDaemon.StartOurs(n2, spec.OurArgs(100, n1));
        await ClusterAssert.ConvergesAsync(n1, master, n2, backup, spec.Vip, TimeSpan.FromSeconds(25), "priority 150 from appsettings.json becomes master");
        int masterStates = master.States.Count, backupStates = backup.States.Count;

        // Valid edit: priority 150 → 200 and a second VIP.
        var edited = Edit(master, Settings(200, spec.VipCidr, Vip2 + "/24"));
        var bound = await ClusterAssert.EventuallyAsync(() => ClusterAssert.HoldsAsync(n1, Vip2), TimeSpan.FromSeconds(5), "the new VIP is bound", master, backup);
        var took = DateTime.UtcNow - edited;
        TestContext.Current.TestOutputHelper?.WriteLine($"file written → {Vip2} on eth0 after {took.TotalMilliseconds:0} ms (poll {bound.TotalMilliseconds:0} ms)");
        Assert.True(took <= TimeSpan.FromSeconds(1), $"the new VIP took {took.TotalMilliseconds:0} ms\n{ClusterAssert.Logs(master, backup)}");
        Assert.True(await ClusterAssert.HoldsAsync(n1, spec.Vip), "the first VIP stays bound");
        await ClusterAssert.StaysSingleMasterAsync(n1, master, n2, backup, spec.Vip, TimeSpan.FromSeconds(1));
        Assert.Equal(masterStates, master.States.Count);
        Assert.Equal(backupStates, backup.States.Count);
        Assert.False(await ClusterAssert.HoldsAsync(n2, Vip2));

        // Invalid edit: rejected with the key named; nothing changes.
        Edit(master, Settings(300, spec.VipCidr));
        await ClusterAssert.EventuallyAsync(() => Task.FromResult(master.Log.Contains("VirtualIp:Routers:0:Priority = 300", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(5), "the invalid edit is logged with its key", master, backup);
        await ClusterAssert.StaysSingleMasterAsync(n1, master, n2, backup, spec.Vip, TimeSpan.FromSeconds(1));
        Assert.True(await ClusterAssert.HoldsAsync(n1, Vip2), "the running configuration (two VIPs) is kept");
        Assert.Equal(masterStates, master.States.Count);
        Assert.False(master.HasExited);
    }
}
