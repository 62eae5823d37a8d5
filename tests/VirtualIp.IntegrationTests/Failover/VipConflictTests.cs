using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using VirtualIp.Frames;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Linux.Packet;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Failover;

/// <summary>
/// Issue 11, conflict detection on the real kernel: our failover host is master of 192.0.2.100 on n1; a foreign host
/// (n2) answers ARP for that VIP with its own MAC. Expected: a <c>VipConflictEvent</c> within 1 s, exactly one defence
/// (RFC 5227 2.4: re-announce once, at most once per 10 s), and the client's neighbour entry back on the master.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed partial class VipConflictTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_foreign_arp_reply_for_our_vip_is_reported_within_a_second_defended_once_and_the_client_returns_to_the_master()
    {
        TestEnvironment.RequireRootAndTools("ip");
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 2 }, Ct);
        var (n1, foreign, client) = (lab.Node(1), lab.Node(2), lab.Client);
        var vip = IPAddress.Parse("192.0.2.100");
        using var master = FailoverDaemon.StartOurs(n1, ["--vrid", "51", "--priority", "150", "--vip", "192.0.2.100/24", "--advert-interval", "100ms", "--name", "VI_51"]);
        await ClusterAssert.EventuallyAsync(() => ClusterAssert.HoldsAsync(n1, "192.0.2.100"), TimeSpan.FromSeconds(10), "n1 holds the VIP", master);
        await ClusterAssert.EventuallyAsync(async () => (await NeighbourAsync(client, vip)).Contains(n1.Mac.ToString(), StringComparison.OrdinalIgnoreCase),
            TimeSpan.FromSeconds(10), "client learns the VIP at n1", master);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct); // let the announcement burst finish

        // The foreign host claims the VIP (gratuitous ARP reply with its MAC), twice, 500 ms apart (each is confirmed
        // after VipConflictDetector.ClaimGrace, 200 ms; claims inside one grace count once).
        var sentAt = DateTimeOffset.UtcNow;
        await NetnsLab.RunInAsync(foreign.Namespace, () =>
        {
            using var sender = new AfPacketFrameSender(foreign.Interface);
            var frame = new byte[64];
            int n = Arp.WriteGratuitousReply(frame, foreign.Mac, vip.GetAddressBytes());
            sender.Send(frame.AsSpan(0, n));
            Thread.Sleep(500);
            sender.Send(frame.AsSpan(0, n));
        });

        var conflicts = await WaitForConflictsAsync(master, 2, TimeSpan.FromSeconds(5));
        var first = conflicts[0];
        output.WriteLine($"conflict lines: {string.Join(" | ", conflicts.Select(c => c.Line))}; first after {(first.At - sentAt).TotalMilliseconds:F0} ms");
        Assert.Contains(foreign.Mac.ToString(), first.Line, StringComparison.OrdinalIgnoreCase);
        Assert.True(first.At - sentAt < TimeSpan.FromSeconds(1), $"event after {(first.At - sentAt).TotalMilliseconds} ms");
        Assert.Contains("(defended: True)", first.Line);
        Assert.Contains("(defended: False)", conflicts[1].Line); // one defence per 10 s

        // The defence put the client's neighbour entry back on the master.
        await ClusterAssert.EventuallyAsync(async () => (await NeighbourAsync(client, vip)).Contains(n1.Mac.ToString(), StringComparison.OrdinalIgnoreCase),
            TimeSpan.FromSeconds(3), "client's neighbour entry back on n1", master);
        Assert.True(await ClusterAssert.HoldsAsync(n1, "192.0.2.100"));
    }

    private static async Task<List<(DateTimeOffset At, string Line)>> WaitForConflictsAsync(FailoverDaemon daemon, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var lines = daemon.Log.Split('\n').Where(l => l.Contains("vip conflict:", StringComparison.Ordinal))
                .Select(l => (At: DateTimeOffset.Parse(Timestamp().Match(l).Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal), Line: l)).ToList();
            if (lines.Count >= count || DateTime.UtcNow > deadline)
            {
                Assert.True(lines.Count >= count, $"expected {count} conflict lines; log:\n{daemon.Log}");
                return lines;
            }

            await Task.Delay(50, Ct);
        }
    }

    [GeneratedRegex(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")]
    private static partial Regex Timestamp();

    private static async Task<string> NeighbourAsync(LabNode node, IPAddress address) =>
        (await NetnsLab.ExecAsync(node, "ip", "neigh", "show", address.ToString())).EnsureSuccess().StdOut;
}
