using System.Net;
using System.Net.Sockets;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Failover;

/// <summary>
/// A TCP health check on the master (weight -60: 150 → 90, below the backup's 100) moves the VIP when the checked
/// service stops, and back (preemption) when it returns.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class HealthCheckFailoverTests
{
    private const int Port = 8080;
    private static readonly TimeSpan s_checkInterval = TimeSpan.FromMilliseconds(200);
    private const int Fall = 2;
    private const int Rise = 2;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Failing_tcp_check_moves_the_vip_to_the_backup_and_recovery_moves_it_back()
    {
        TestEnvironment.RequireRootAndTools("ip");
        var spec = new ClusterSpec(3, IPv6: false, Unicast: false, TimeSpan.FromMilliseconds(100));
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 2 }, Ct);
        LabNode n1 = lab.Node(1), n2 = lab.Node(2);
        var service = await TcpService.StartAsync(n1, Port);
        try
        {
            using var master = FailoverDaemon.StartOurs(n1, spec.OurArgs(150, n2,
                "--check", $"tcp://127.0.0.1:{Port}", "--check-weight", "-60", "--check-interval", "200ms",
                "--check-fall", Fall.ToString(), "--check-rise", Rise.ToString()));
            using var backup = FailoverDaemon.StartOurs(n2, spec.OurArgs(100, n1));
            await ClusterAssert.ConvergesAsync(n1, master, n2, backup, spec.Vip, TimeSpan.FromSeconds(25), "priority 150 with a passing check becomes master");
            await ClusterAssert.StaysSingleMasterAsync(n1, master, n2, backup, spec.Vip, TimeSpan.FromSeconds(1));

            // The checked service stops: after Fall failures the master advertises 90 and the backup (100, preempt)
            // takes over when its Master_Down_Interval runs out.
            var stopped = DateTime.UtcNow;
            service.Dispose();
            await ClusterAssert.EventuallyAsync(
                async () => backup.State == "Master" && await ClusterAssert.HoldsAsync(n2, spec.Vip) && !await ClusterAssert.HoldsAsync(n1, spec.Vip),
                TimeSpan.FromSeconds(10), "VIP moves to the backup after the check fails", master, backup);
            var took = backup.States.Last(s => s.State == "Master").At - stopped;
            var bound = (Fall * s_checkInterval) + spec.MasterDown(100) + TimeSpan.FromSeconds(1); // + slack for a loaded CI box
            Assert.True(took <= bound, $"took {took.TotalMilliseconds:0} ms, bound {bound.TotalMilliseconds:0} ms\n{ClusterAssert.Logs(master, backup)}");
            // Physical minimum: the first failed check can come right after the stop, the Fall-th one (Fall - 1)
            // intervals later; then the backup (preempt) discards the priority-90 adverts and takes over when
            // Master_Down_Interval has run out since the last priority-150 advert, at most one advert interval
            // before the drop. Less than that means the check or the election skipped a step.
            var minimum = ((Fall - 1) * s_checkInterval) + spec.MasterDown(100) - spec.Interval - TimeSpan.FromMilliseconds(20);
            Assert.True(took >= minimum, $"took {took.TotalMilliseconds:0} ms: faster than {Fall} failed checks and Master_Down_Interval can be ({minimum.TotalMilliseconds:0} ms)\n{ClusterAssert.Logs(master, backup)}");
            Assert.Contains("priority 90", master.Log, StringComparison.Ordinal);
            TestContext.Current.TestOutputHelper?.WriteLine($"service stopped → backup Master after {took.TotalMilliseconds:0} ms (bound {bound.TotalMilliseconds:0} ms)");
            await ClusterAssert.StaysSingleMasterAsync(n2, backup, n1, master, spec.Vip, TimeSpan.FromSeconds(1));

            // The service returns: after Rise passes the master is back at 150 and preempts.
            var restarted = DateTime.UtcNow;
            service = await TcpService.StartAsync(n1, Port);
            await ClusterAssert.ConvergesAsync(n1, master, n2, backup, spec.Vip, TimeSpan.FromSeconds(10), "VIP moves back when the check passes again");
            var back = master.States.Last(s => s.State == "Master").At - restarted;
            Assert.True(back <= (Rise * s_checkInterval) + spec.MasterDown(150) + TimeSpan.FromSeconds(1.5),
                $"preemption took {back.TotalMilliseconds:0} ms\n{ClusterAssert.Logs(master, backup)}");
            TestContext.Current.TestOutputHelper?.WriteLine($"service restarted → master preempts after {back.TotalMilliseconds:0} ms");
            await ClusterAssert.StaysSingleMasterAsync(n1, master, n2, backup, spec.Vip, TimeSpan.FromSeconds(1));
        }
        finally
        {
            service.Dispose();
        }
    }

    /// <summary>A TCP listener inside a namespace that accepts and closes connections.</summary>
    private sealed class TcpService : IDisposable
    {
        private readonly TcpListener _listener;

        private TcpService(TcpListener listener)
        {
            _listener = listener;
            _ = Task.Run(AcceptLoopAsync);
        }

        public static async Task<TcpService> StartAsync(LabNode node, int port)
        {
            var listener = await NetnsLab.RunInAsync(node, () =>
            {
                var l = new TcpListener(IPAddress.Loopback, port);
                l.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                l.Start();
                return l;
            });
            return new TcpService(listener);
        }

        private async Task AcceptLoopAsync()
        {
            try
            {
                while (true)
                {
                    using var s = await _listener.AcceptSocketAsync();
                }
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void Dispose() => _listener.Stop();
    }
}
