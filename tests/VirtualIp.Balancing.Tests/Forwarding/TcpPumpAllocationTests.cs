using System.Net;
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
    [Theory]
    [InlineData(ForwarderTcpEngine.Sockets)]
    [InlineData(ForwarderTcpEngine.Epoll)]
    public async Task Keep_alive_requests_allocate_nothing_in_steady_state(ForwarderTcpEngine engine)
    {
        Assert.SkipWhen(engine == ForwarderTcpEngine.Epoll && !OperatingSystem.IsLinux(), "the epoll engine is Linux only");
        await using var echo = new EchoServer();
        var o = Options(echo.Address);
        o.TcpWaitForClientData = true;
        o.TcpEngine = engine;
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

    /// <summary>
    /// Bytes the forwarder allocates per accepted connection in steady state (connect, 16 bytes each way, close):
    /// the same client run straight against the echo server is subtracted, so what is left is the forwarder's own
    /// share (admission, connection state, the backend connect, pumps) plus the runtime's per-socket objects of its
    /// two sockets (<see cref="Socket"/>, its handle and async context, the accepted peer's address), which .NET does
    /// not pool. The figure is written to the test output and recorded in docs/benchmarks.md. The epoll engine has no
    /// runtime socket objects and pools its connection state per loop (the client address is reused while it repeats),
    /// so its share is near zero: a class, closure or Task per connection would be well over the 128 bytes allowed.
    /// </summary>
    [Theory]
    [InlineData(ForwarderTcpEngine.Sockets, 4_096)]
    [InlineData(ForwarderTcpEngine.Epoll, 128)]
    public async Task Accepted_connections_allocate_a_bounded_amount_in_steady_state(ForwarderTcpEngine engine, int bound)
    {
        Assert.SkipWhen(engine == ForwarderTcpEngine.Epoll && !OperatingSystem.IsLinux(), "the epoll engine is Linux only");
        await using var echo = new EchoServer();
        var o = Options(echo.Address);
        o.TcpWaitForClientData = true;
        o.TcpEngine = engine;
        await using var f = await StartTcpAsync(o);
        var payload = new byte[16];
        var buf = new byte[16];

        async Task<long> ConnectionsAsync(IPEndPoint target, int count, bool viaForwarder)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < count; i++)
            {
                using (var c = await ConnectAsync(target))
                {
                    await c.SendAsync(payload.AsMemory(), SocketFlags.None);
                    int got = 0;
                    while (got < buf.Length)
                    {
                        int n = await c.ReceiveAsync(buf.AsMemory(got), SocketFlags.None);
                        Assert.True(n > 0, "closed before the echo");
                        got += n;
                    }
                }

                // The forwarder's side of the connection ends asynchronously: let it finish before the next one.
                for (int spin = 0; viaForwarder && f.ActiveConnections > 0 && spin < 2_000; spin++)
                {
                    await Task.Yield();
                }
            }

            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }

        const int Count = 400;
        await ConnectionsAsync(echo.EndPoint, Count, viaForwarder: false); // warm-up: JIT, tiering, pools
        await ConnectionsAsync(f.LocalEndPoint, Count, viaForwarder: true);
        long direct = await ConnectionsAsync(echo.EndPoint, Count, viaForwarder: false);
        long forwarded = await ConnectionsAsync(f.LocalEndPoint, Count, viaForwarder: true);
        long perConnection = (forwarded - direct) / Count;
        TestContext.Current.TestOutputHelper?.WriteLine($"forwarder: {perConnection} bytes allocated per accepted connection (direct {direct / Count} B, via the forwarder {forwarded / Count} B)");
        Assert.Equal(engine, f.Engine);
        Assert.True(perConnection < bound, $"{perConnection} bytes allocated per accepted connection by the forwarder");
    }
}
