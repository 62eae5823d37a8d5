using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VirtualIp.Balancing;
using VirtualIp.Examples.Tests.Snippets;

namespace VirtualIp.Examples.Tests;

/// <summary>Runs the Balancing README's runtime-management snippets against a forwarder on loopback.</summary>
public sealed class ForwarderManagementSnippetTests
{
    [Fact]
    public async Task Configuration_bound_forwarder_is_managed_through_the_snippet_calls()
    {
        var ct = TestContext.Current.CancellationToken;
        using var oldBackend = Listener();
        using var newBackend = Listener();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Forwarder:Name"] = "web",
            ["Forwarder:Listen"] = "127.0.0.1:0",
            ["Forwarder:Backends:0"] = oldBackend.LocalEndPoint!.ToString(),
        });
        ForwarderManagementSnippets.FromConfiguration(builder);
        using var host = builder.Build();
        await host.StartAsync(ct);
        try
        {
            var backends = await ForwarderManagementSnippets.ManageAsync(host.Services, newBackend.LocalEndPoint!.ToString()!, oldBackend.LocalEndPoint!.ToString()!);

            var only = Assert.Single(backends);
            Assert.Equal(("new", 3, newBackend.LocalEndPoint), (only.Name, only.Weight, only.EndPoint));
        }
        finally
        {
            await host.StopAsync(ct);
        }
    }

    private static Socket Listener()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        s.Listen();
        return s;
    }
}
