using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Scheduling;
using static VirtualIp.Balancing.Tests.Forwarding.ForwarderFixture;

namespace VirtualIp.Balancing.Tests.Forwarding;

public sealed class ForwarderOptionsTests
{
    [Fact]
    public void Validation_names_each_bad_value()
    {
        var o = new ForwarderOptions { Listen = "nonsense", MaxConnectAttempts = 0, BufferSize = 10 };
        o.Backends.Add(new ForwarderBackendOptions { Address = "198.51.100.1" });
        o.Backends.Add(new ForwarderBackendOptions { Address = "198.51.100.2:80", Weight = 0 });
        o.DeniedSources.Add("10.0.0.0/99");
        var errors = string.Join("\n", o.Validate());
        Assert.Contains("'nonsense'", errors);
        Assert.Contains("'198.51.100.1'", errors);
        Assert.Contains("weight 0", errors);
        Assert.Contains("MaxConnectAttempts 0", errors);
        Assert.Contains("BufferSize 10", errors);
        Assert.Contains("'10.0.0.0/99'", errors);

        var ok = Options("127.0.0.1:1", "[::1]:2", "localhost:3");
        Assert.Empty(ok.Validate());

        var tcp = Options("127.0.0.1:1");
        tcp.TcpIdleTimeout = TimeSpan.Zero;
        tcp.TcpFirstByteTimeout = TimeSpan.FromSeconds(-1);
        tcp.TcpHalfCloseTimeout = Timeout.InfiniteTimeSpan;
        tcp.TcpMaxConnectionsPerSource = -1;
        tcp.TcpConnectionRatePerSource = double.NaN;
        tcp.TcpConnectionRateBurstPerSource = 0;
        var tcpErrors = string.Join("\n", tcp.Validate());
        foreach (var name in (string[])["TcpIdleTimeout", "TcpFirstByteTimeout", "TcpHalfCloseTimeout", "TcpMaxConnectionsPerSource -1", "TcpConnectionRatePerSource NaN", "TcpConnectionRateBurstPerSource 0"])
        {
            Assert.Contains(name, tcpErrors);
        }
    }

    [Fact]
    public void Cidr_matching()
    {
        var acl = new SourceAcl(["198.51.100.0/24", "2001:db8::/32"], ["198.51.100.7"]);
        Assert.True(acl.IsAllowed(IPAddress.Parse("198.51.100.1")));
        Assert.False(acl.IsAllowed(IPAddress.Parse("198.51.100.7")));
        Assert.False(acl.IsAllowed(IPAddress.Parse("198.51.101.1")));
        Assert.True(acl.IsAllowed(IPAddress.Parse("2001:db8:1::5")));
        Assert.False(acl.IsAllowed(IPAddress.Parse("2001:db9::5")));
        Assert.True(acl.IsAllowed(IPAddress.Parse("::ffff:198.51.100.2")));
        Assert.True(new SourceAcl(["0.0.0.0/0"], []).IsAllowed(IPAddress.Parse("192.0.2.1")));
    }

    [Fact]
    public void Cidr_with_host_bits_is_refused_naming_the_value()
    {
        var o = Options("127.0.0.1:1");
        o.AllowedSources.Add("198.51.100.7/24");
        o.DeniedSources.Add("2001:db8::1/32");
        o.DeniedSources.Add("nonsense");
        var errors = o.Validate();
        Assert.Contains(errors, e => e.Contains("AllowedSources entry '198.51.100.7/24' has host bits set", StringComparison.Ordinal) && e.Contains("198.51.100.0/24", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("DeniedSources entry '2001:db8::1/32' has host bits set", StringComparison.Ordinal) && e.Contains("2001:db8::/32", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'nonsense' is not a CIDR", StringComparison.Ordinal));
        var ex = Assert.Throws<FormatException>(() => new SourceAcl(["198.51.100.7/24"], []));
        Assert.Contains("198.51.100.7/24", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_with_invalid_options_fails_to_start_with_the_reason()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddVirtualIpForwarder(o => o.Listen = "127.0.0.1:99999");
        using var host = builder.Build();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("127.0.0.1:99999", ex.Message);
    }

    [Fact]
    public async Task Host_runs_a_forwarder_and_stops_it()
    {
        await using var echo = new EchoServer();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddVirtualIpForwarder(o =>
        {
            o.Name = "di-test";
            o.Listen = "127.0.0.1:0";
            o.Scheduler = BackendSchedulerNames.Maglev;
            o.Backends.Add(new ForwarderBackendOptions { Address = echo.Address });
        });
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var svc = host.Services.GetServices<IHostedService>().OfType<ForwarderHostedService>().Single();
        var ep = svc.Forwarder!.LocalEndPoint;
        using (var c = await ConnectAsync(ep))
        {
            await c.SendAsync("di"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
            Assert.Equal("di"u8.ToArray(), await ReceiveExactlyAsync(c, 2));
        }

        Assert.Equal(BackendSchedulerNames.Maglev, svc.Forwarder.Scheduler.Name);
        await host.StopAsync(TestContext.Current.CancellationToken);
        Assert.Throws<SocketException>(() =>
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Connect(ep);
        });
        Assert.NotNull(host.Services.GetRequiredService<IBackendSchedulerFactory>().Create(BackendSchedulerNames.Rendezvous));
    }
}
