using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Balancing.Management;
using VirtualIp.Balancing.Tests.Forwarding;
using static VirtualIp.Balancing.Tests.Forwarding.ForwarderFixture;

namespace VirtualIp.Balancing.Tests.Management;

/// <summary>Forwarders bound to configuration: backend changes apply live on reload, with no restart and no dropped connection.</summary>
public sealed class ForwarderReloadTests
{
    [Fact]
    public async Task A_reload_adds_removes_and_reweights_backends_without_dropping_connections()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var a = new EchoServer(prefix: (byte)'A');
        await using var b = new EchoServer(prefix: (byte)'B');
        await using var c = new EchoServer(prefix: (byte)'C');
        var source = new ReplaceableConfiguration(new()
        {
            ["Forwarder:Name"] = "web",
            ["Forwarder:Listen"] = "127.0.0.1:0",
            ["Forwarder:TcpWaitForClientData"] = "false", // the echo backends speak first
            ["Forwarder:DrainTimeout"] = "20s",
            ["Forwarder:Backends:0:Name"] = "a",
            ["Forwarder:Backends:0:Address"] = a.Address,
            ["Forwarder:Backends:1"] = b.Address,
        });
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.Sources.Clear();
        ((IConfigurationBuilder)builder.Configuration).Add(source);
        builder.Services.AddVirtualIpForwarder(builder.Configuration.GetSection("Forwarder"));
        using var host = builder.Build();
        await host.StartAsync(ct);
        var control = (ForwarderControl)host.Services.GetRequiredService<IForwarderManager>().Get("web");
        Assert.Equal([("a", 1), (b.Address, 1)], control.GetBackends().Select(s => (s.Name, s.Weight)));
        using var onA = await ConnectAsync(control.LocalEndPoint);
        using var onB = await ConnectAsync(control.LocalEndPoint);
        Assert.Equal((byte)'A', (await ReceiveExactlyAsync(onA, 1))[0]);
        Assert.Equal((byte)'B', (await ReceiveExactlyAsync(onB, 1))[0]);

        // b leaves, c comes, a gets weight 3.
        source.Replace(new()
        {
            ["Forwarder:Name"] = "web",
            ["Forwarder:Listen"] = "127.0.0.1:0",
            ["Forwarder:TcpWaitForClientData"] = "false", // the echo backends speak first
            ["Forwarder:DrainTimeout"] = "20s",
            ["Forwarder:Backends:0:Name"] = "a",
            ["Forwarder:Backends:0:Address"] = a.Address,
            ["Forwarder:Backends:0:Weight"] = "3",
            ["Forwarder:Backends:1:Address"] = c.Address,
            ["Forwarder:Backends:1:Name"] = "c",
        });
        await control.WhenReloadsIdle.WaitAsync(TimeSpan.FromSeconds(10), ct);

        Assert.Equal(1, control.ReloadsApplied);
        Assert.Equal([("a", 3, false), ("c", 1, false), (b.Address, 1, true)], control.GetBackends().Select(s => (s.Name, s.Weight, s.IsRemoving)));
        await AssertEchoesAsync(onA);
        await AssertEchoesAsync(onB); // the removed backend's connection drains: still served
        var seen = new HashSet<byte>();
        for (int i = 0; i < 8; i++)
        {
            using var s = await ConnectAsync(control.LocalEndPoint);
            seen.Add((await ReceiveExactlyAsync(s, 1))[0]);
        }

        Assert.Equal("AC"u8.ToArray(), seen.Order());

        // An invalid edit is rejected whole: the running backends stay, nothing throws into the configuration.
        source.Replace(new()
        {
            ["Forwarder:Listen"] = "127.0.0.1:0",
            ["Forwarder:TcpWaitForClientData"] = "false", // the echo backends speak first
            ["Forwarder:Backends:0:Address"] = "not-an-address",
            ["Forwarder:Backends:1:Address"] = c.Address,
            ["Forwarder:Backends:1:Weight"] = "heavy",
        });
        await control.WhenReloadsIdle.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(1, control.ReloadsRejected);
        Assert.Equal(["a", "c", b.Address], control.GetBackends().Select(s => s.Name));
        await AssertEchoesAsync(onA);
        await AssertEchoesAsync(onB);

        onB.Dispose(); // the drain of b ends with its last connection
        await WaitUntilAsync(() => control.GetBackends().Count == 2, "b's drain ended");
        onA.Dispose();
        await host.StopAsync(ct);
    }

    [Fact]
    public void Configuration_values_that_do_not_parse_fail_start_validation_with_their_keys()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lb:Listen"] = "127.0.0.1:0",
            ["Lb:DrainTimeout"] = "soon",
            ["Lb:Backends:0"] = "127.0.0.1:9",
            ["Lb:Backends:1:Address"] = "127.0.0.1:10",
            ["Lb:Backends:1:Weight"] = "x",
            ["Lb:HealthCheck:Interval"] = "250ms",
        }).Build();
        var options = new ForwarderOptions();

        ForwarderConfigurationReader.Read(configuration.GetSection("Lb"), options);

        Assert.Equal(TimeSpan.FromMilliseconds(250), options.HealthCheck.Interval);
        Assert.Equal(["127.0.0.1:9", "127.0.0.1:10"], options.Backends.Select(x => x.Address));
        Assert.Equal(
            ["Lb:DrainTimeout 'soon' is not a duration (20ms, 1s, 2m, 00:00:05 or seconds).", "Lb:Backends:1:Weight 'x' is not a whole number."],
            options.Validate());
    }

    private static async Task AssertEchoesAsync(Socket s)
    {
        await s.SendAsync("ping"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.Equal("ping"u8.ToArray(), await ReceiveExactlyAsync(s, 4));
    }

    /// <summary>A configuration source whose whole content is replaced, then reloaded (as a file edit would be).</summary>
    private sealed class ReplaceableConfiguration(Dictionary<string, string?> initial) : ConfigurationProvider, IConfigurationSource
    {
        public override void Load() => Data = new Dictionary<string, string?>(initial, StringComparer.OrdinalIgnoreCase);

        public void Replace(Dictionary<string, string?> data)
        {
            Data = new Dictionary<string, string?>(data, StringComparer.OrdinalIgnoreCase);
            OnReload();
        }

        public IConfigurationProvider Build(IConfigurationBuilder builder) => this;
    }
}
