using System.Net.Sockets;
using static VirtualIp.Balancing.Tests.Forwarding.ForwarderFixture;

namespace VirtualIp.Balancing.Tests.Forwarding;

/// <summary>Runs alone (process-wide allocation counts): see <see cref="TcpPumpAllocationTests"/>.</summary>
[CollectionDefinition(nameof(TcpPumpAllocationCollection), DisableParallelization = true)]
public sealed class TcpPumpAllocationCollection;

/// <summary>
/// Hot path proof (issue #12): keep-alive request/response through the TCP forwarder allocates nothing per request in
/// steady state — the pumps' zero-byte waits, pooled buffers, pooled async state and activity stamps included. The
/// count is process-wide (pumps run on socket threads), so the test runs alone and allows 64 bytes per request of
/// background noise; a Task, closure or buffer per request would be several hundred.
/// </summary>
[Collection(nameof(TcpPumpAllocationCollection))]
public sealed class TcpPumpAllocationTests
{
    [Fact]
    public async Task Keep_alive_requests_allocate_nothing_in_steady_state()
    {
        await using var echo = new EchoServer();
        var o = Options(echo.Address);
        o.TcpWaitForClientData = true;
        await using var f = await StartTcpAsync(o);
        using var c = await ConnectAsync(f.LocalEndPoint);
        var msg = new byte[64];
        var buf = new byte[64];

        async Task RoundTripsAsync(int count)
        {
            for (int i = 0; i < count; i++)
            {
                await c.SendAsync(msg.AsMemory(), SocketFlags.None);
                int got = 0;
                while (got < buf.Length)
                {
                    int n = await c.ReceiveAsync(buf.AsMemory(got), SocketFlags.None);
                    Assert.True(n > 0, "the forwarder closed the connection");
                    got += n;
                }
            }
        }

        await RoundTripsAsync(2_000); // warm-up: JIT, tiering, pools
        const int Requests = 5_000;
        long before = GC.GetTotalAllocatedBytes(precise: true);
        await RoundTripsAsync(Requests);
        long perRequest = (GC.GetTotalAllocatedBytes(precise: true) - before) / Requests;
        Assert.True(perRequest < 64, $"{perRequest} bytes allocated per keep-alive request (process-wide)");
    }
}
