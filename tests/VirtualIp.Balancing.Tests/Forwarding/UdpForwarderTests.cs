using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using static VirtualIp.Balancing.Tests.Forwarding.ForwarderFixture;

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

    private static Socket Client()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return s;
    }

    private static async Task<byte> RoundTripAsync(Socket client, IPEndPoint forwarder, string text)
    {
        var payload = System.Text.Encoding.ASCII.GetBytes(text);
        await client.SendToAsync(payload, SocketFlags.None, forwarder, TestContext.Current.CancellationToken);
        var buf = new byte[1024];
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        var r = await client.ReceiveFromAsync(buf, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
        Assert.Equal(forwarder, r.RemoteEndPoint); // replies come from the VIP, not from the backend
        Assert.Equal(payload, buf.AsSpan(1, r.ReceivedBytes - 1).ToArray());
        return buf[0];
    }

    /// <summary>A UDP backend that replies with its id byte followed by the datagram.</summary>
    private sealed class UdpEcho : IDisposable
    {
        private readonly Socket _s = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private int _received;

        public UdpEcho(byte id)
        {
            _s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _ = Loop(id);
        }

        public string Address => _s.LocalEndPoint!.ToString()!;

        public int Received => Volatile.Read(ref _received);

        public void Dispose() => _s.Dispose();

        private async Task Loop(byte id)
        {
            var buf = new byte[2048];
            try
            {
                while (true)
                {
                    var r = await _s.ReceiveFromAsync(buf.AsMemory(1), SocketFlags.None, new IPEndPoint(IPAddress.Any, 0));
                    Interlocked.Increment(ref _received);
                    buf[0] = id;
                    await _s.SendToAsync(buf.AsMemory(0, r.ReceivedBytes + 1), SocketFlags.None, r.RemoteEndPoint);
                }
            }
            catch (Exception)
            {
            }
        }
    }
}
