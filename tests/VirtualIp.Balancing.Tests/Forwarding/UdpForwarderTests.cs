using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using static VirtualIp.Balancing.Tests.Forwarding.ForwarderFixture;
using static VirtualIp.Balancing.Tests.Forwarding.UdpTestKit;

namespace VirtualIp.Balancing.Tests.Forwarding;

public sealed class UdpForwarderTests
{
    [Fact]
    public async Task Datagrams_of_a_client_stick_to_one_backend_until_the_session_idles_out()
    {
        using var a = new UdpEcho((byte)'A');
        using var b = new UdpEcho((byte)'B');
        var time = new FakeTimeProvider();
        var o = Options(a.Address, b.Address);
        o.UdpIdleTimeout = TimeSpan.FromSeconds(30);
        await using var f = await StartUdpAsync(o, time);
        using var c1 = Client();
        using var c2 = Client();

        byte first = await RoundTripAsync(c1, f.LocalEndPoint, "one");
        byte other = await RoundTripAsync(c2, f.LocalEndPoint, "two");
        Assert.NotEqual(first, other);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(first, await RoundTripAsync(c1, f.LocalEndPoint, $"again {i}"));
            Assert.Equal(other, await RoundTripAsync(c2, f.LocalEndPoint, $"again {i}"));
        }

        Assert.Equal(2, f.ActiveConnections);

        // Traffic keeps a session alive: 20 s, a datagram, 20 s more is still within the idle timeout for c1.
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(first, await RoundTripAsync(c1, f.LocalEndPoint, "keepalive"));
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(1, f.ActiveConnections); // c2 idled out (40 s), c1 did not (20 s)

        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(0, f.ActiveConnections);
        Assert.All(f.Scheduler.Backends.AsSpan().ToArray(), x => Assert.Equal(0, x.InFlight));

        // A new datagram opens a new session.
        await RoundTripAsync(c1, f.LocalEndPoint, "back");
        Assert.Equal(1, f.ActiveConnections);
    }

    [Fact]
    public async Task Denied_source_gets_no_session()
    {
        using var a = new UdpEcho((byte)'A');
        var o = Options(a.Address);
        o.DeniedSources.Add("127.0.0.1");
        await using var f = await StartUdpAsync(o, new FakeTimeProvider());
        using var c = Client();
        await c.SendToAsync("hi"u8.ToArray(), SocketFlags.None, f.LocalEndPoint, TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => Interlocked.Read(ref f.Denied) == 1, "the datagram is denied");
        Assert.Equal(0, f.ActiveConnections);
        Assert.Equal(0, a.Received);
    }
}
