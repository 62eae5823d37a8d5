using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using VirtualIp.Balancing.Forwarding;
using static VirtualIp.Balancing.Tests.Forwarding.ForwarderFixture;
using static VirtualIp.Balancing.Tests.Forwarding.UdpTestKit;

namespace VirtualIp.Balancing.Tests.Forwarding;

/// <summary>
/// Issue #12 proof for UDP: 100,000 datagrams from 10,000 source addresses (loopback aliases 127.1.x.y: all of 127/8
/// is local on Linux, no namespace needed) against a forwarder capped at 1,000 sessions. Sessions, tracked sources,
/// open file handles (/proc/self/fd) and managed memory stay within the caps, and a client that was talking before the
/// flood is served throughout.
/// Runs alone (its own non-parallel collection): the handle count is process-wide, and other test classes' sockets
/// would count against the cap.
/// </summary>
[Collection(nameof(UdpFloodTests))]
[CollectionDefinition(nameof(UdpFloodTests), DisableParallelization = true)]
public sealed class UdpFloodTests(ITestOutputHelper output)
{
    private const int Sources = 10_000;
    private const int PerSource = 10;
    private const int Cap = 1_000;

    /// <summary>Documented bound per session (managed objects of the socket and session, no buffer), with room.</summary>
    private const long BytesPerSession = 4 * 1024;

    [Fact]
    public async Task Spoofed_sources_stay_within_the_caps_and_a_real_client_keeps_being_served()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "binds 127.1.x.y loopback aliases and counts /proc/self/fd (Linux)");
        using var a = new UdpEcho((byte)'A');
        var o = Options(a.Address);
        o.MaxConnections = Cap;
        o.Udp.MaxSessionsPerSource = 4;
        await using var f = await StartUdpAsync(o); // system clock: sessions idle out after the default 60 s, not during the test
        using var real = Client("127.0.0.1");
        await RoundTripAsync(real, f.LocalEndPoint, "before the flood");

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long memBefore = GC.GetTotalMemory(true);
        int fdBefore = OpenFiles();

        var sw = Stopwatch.StartNew();
        int maxSessions = 0, maxFds = 0, served = 0, missed = 0;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var flood = Task.Run(() => Flood(f.LocalEndPoint, cts.Token), cts.Token);
        while (!flood.IsCompleted)
        {
            maxSessions = Math.Max(maxSessions, f.ActiveConnections);
            maxFds = Math.Max(maxFds, OpenFiles() - fdBefore);
            if (await TryRoundTripAsync(real, f.LocalEndPoint, $"during {served + missed}", 1))
            {
                served++;
            }
            else
            {
                missed++;
            }
        }

        long sent = await flood;
        var floodTime = sw.Elapsed;
        await RoundTripAsync(real, f.LocalEndPoint, "after the flood");
        maxSessions = Math.Max(maxSessions, f.ActiveConnections);
        maxFds = Math.Max(maxFds, OpenFiles() - fdBefore);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long memDelta = GC.GetTotalMemory(true) - memBefore;
        long refused = f.RefusedCount(RefusalReasons.SessionLimit) + f.RefusedCount(RefusalReasons.SourceSessionLimit);
        output.WriteLine($"{sent} datagrams from {Sources} sources in {floodTime.TotalSeconds:F1} s; peak sessions {maxSessions} (cap {Cap}), " +
            $"tracked sources {f.TrackedSources}, peak fd delta {maxFds}, managed memory delta {memDelta / 1024} KiB " +
            $"(bound {Cap * BytesPerSession / 1024} KiB), refused {refused} (session_limit {f.RefusedCount(RefusalReasons.SessionLimit)}), " +
            $"backend received {a.Received}, real client {served} served / {missed} missed during the flood");

        Assert.Equal(Sources * PerSource, sent);
        Assert.InRange(maxSessions, 1, Cap);
        Assert.InRange(f.TrackedSources, 1, Cap);
        Assert.InRange(maxFds, 0, Cap + 32); // one socket per session; a little room for the runtime's own handles
        Assert.InRange(memDelta, long.MinValue, Cap * BytesPerSession);
        Assert.True(f.RefusedCount(RefusalReasons.SessionLimit) > 0, "the global cap refused new sources");
        Assert.True(served > 0 && missed <= served, $"the real client is served during the flood ({served} served, {missed} missed)");
    }

    /// <summary>Sends 10 datagrams from each of 10,000 sources (a socket bound to 127.1.x.y per source, closed after).</summary>
    private static long Flood(IPEndPoint target, CancellationToken ct)
    {
        var payload = new byte[64];
        var to = target.Serialize();
        long sent = 0;
        for (int i = 0; i < Sources && !ct.IsCancellationRequested; i++)
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(new IPAddress(new byte[] { 127, 1, (byte)(i >> 8), (byte)i }), 0));
            for (int k = 0; k < PerSource; k++)
            {
                s.SendTo(payload, SocketFlags.None, to);
                sent++;
            }

            if (i % 50 == 49)
            {
                // About 20,000 datagrams/s: this test is about the caps, not about saturating two shared cores (beyond
                // what one receive loop handles the kernel drops datagrams of every source alike, real clients' too).
                Thread.Sleep(20);
            }
        }

        return sent;
    }

    private static int OpenFiles() => Directory.GetFiles("/proc/self/fd").Length;
}
