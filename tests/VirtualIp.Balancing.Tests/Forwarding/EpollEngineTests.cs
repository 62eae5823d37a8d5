using System.Net;
using Microsoft.Extensions.Configuration;
using System.Net.Sockets;
using VirtualIp.Balancing.Forwarding;
using static VirtualIp.Balancing.Tests.Forwarding.ForwarderFixture;

namespace VirtualIp.Balancing.Tests.Forwarding;

/// <summary>
/// The epoll TCP engine (Linux) selected by <see cref="ForwarderOptions.TcpEngine"/>: its own loops, one per
/// SO_REUSEPORT listener, serve IPv4 and IPv6 clients byte-exact. The rest of the forwarder's behaviour is the
/// Sockets engine's tests run with <c>VIRTUALIP_FORWARDER_TCP_ENGINE=Epoll</c> (see docs/benchmarks.md).
/// </summary>
public sealed class EpollEngineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task Epoll_engine_serves_ipv4_and_ipv6_on_one_loop_per_listener(string address)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the epoll engine is Linux only");
        var ip = IPAddress.Parse(address);
        Assert.SkipUnless(ip.AddressFamily == AddressFamily.InterNetwork || Socket.OSSupportsIPv6, "no IPv6 on this host");
        await using var echo = new EchoServer();
        var o = Options(echo.Address);
        o.Listen = new IPEndPoint(ip, 0).ToString();
        o.TcpEngine = ForwarderTcpEngine.Epoll;
        await using var f = await StartTcpAsync(o);
        Assert.Equal(ForwarderTcpEngine.Epoll, f.Engine);
        for (int i = 0; i < 200 && RunningLoops(f) < f.Listeners.Count; i++)
        {
            await Task.Delay(10, Ct);
        }

        Assert.Equal(f.Listeners.Count, RunningLoops(f));
        var payload = new byte[300_000];
        Random.Shared.NextBytes(payload);
        for (int i = 0; i < 8; i++)
        {
            using var c = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await c.ConnectAsync(f.LocalEndPoint, Ct);
            var send = c.SendAsync(payload, SocketFlags.None, Ct);
            Assert.Equal(payload, await ReceiveExactlyAsync(c, payload.Length));
            await send;
        }
    }

    [Fact]
    public void The_engine_is_read_from_configuration_and_a_bad_value_is_reported()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Good:TcpEngine"] = "epoll",
            ["Bad:TcpEngine"] = "uring",
        }).Build();
        var good = new ForwarderOptions();
        ForwarderConfigurationReader.Read(configuration.GetSection("Good"), good);
        Assert.Equal(ForwarderTcpEngine.Epoll, good.TcpEngine);
        var bad = new ForwarderOptions { Listen = "127.0.0.1:0" };
        bad.Backends.Add(new ForwarderBackendOptions { Address = "127.0.0.1:1" });
        ForwarderConfigurationReader.Read(configuration.GetSection("Bad"), bad);
        Assert.Equal(ForwarderTcpEngine.Auto, bad.TcpEngine);
        Assert.Contains(bad.Validate(), e => e.Contains("TcpEngine 'uring'", StringComparison.Ordinal));
    }

    [Fact]
    public void Auto_is_epoll_on_linux_unless_the_environment_says_sockets()
    {
        string? set = Environment.GetEnvironmentVariable(TcpForwarder.EngineVariable);
        var expected = OperatingSystem.IsLinux() && !string.Equals(set, "sockets", StringComparison.OrdinalIgnoreCase)
            ? ForwarderTcpEngine.Epoll
            : ForwarderTcpEngine.Sockets;
        Assert.Equal(expected, TcpForwarder.ResolveEngine(ForwarderTcpEngine.Auto));
        Assert.Equal(ForwarderTcpEngine.Sockets, TcpForwarder.ResolveEngine(ForwarderTcpEngine.Sockets));
        Assert.Equal(OperatingSystem.IsLinux() ? ForwarderTcpEngine.Epoll : ForwarderTcpEngine.Sockets, TcpForwarder.ResolveEngine(ForwarderTcpEngine.Epoll));
    }
}
