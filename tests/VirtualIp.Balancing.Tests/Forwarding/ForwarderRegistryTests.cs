using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Health;

namespace VirtualIp.Balancing.Tests.Forwarding;

/// <summary>The forwarders' active connections for load tracking (<c>TrackLoad</c> source Connections), through <see cref="IActiveConnectionsSource"/>.</summary>
public sealed class ForwarderRegistryTests
{
    [Fact]
    public async Task A_hosted_forwarder_reports_its_active_connections_by_name_while_it_runs()
    {
        await using var echo = new EchoServer();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddVirtualIpForwarder(o =>
        {
            o.Name = "web";
            o.Listen = "127.0.0.1:0";
            o.Backends.Add(new ForwarderBackendOptions { Address = echo.Address });
        });
        using var host = builder.Build();
        var source = host.Services.GetRequiredService<IActiveConnectionsSource>();
        Assert.False(source.TryGetActiveConnections("web", out _)); // not started
        await host.StartAsync(TestContext.Current.CancellationToken);
        var svc = host.Services.GetServices<IHostedService>().OfType<ForwarderHostedService>().Single();
        Assert.True(source.TryGetActiveConnections("web", out int count));
        Assert.Equal(0, count);
        Assert.False(source.TryGetActiveConnections("other", out _));

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(svc.Forwarder!.LocalEndPoint, TestContext.Current.CancellationToken);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!(source.TryGetActiveConnections("web", out count) && count == 1) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            Assert.Equal(1, count);
        }

        await host.StopAsync(TestContext.Current.CancellationToken);
        Assert.False(source.TryGetActiveConnections("web", out _)); // stopped
    }
}
