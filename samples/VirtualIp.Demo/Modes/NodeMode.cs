using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using VirtualIp.Demo.Namespaces;
using VirtualIp.Events;

namespace VirtualIp.Demo.Modes;

/// <summary>
/// Hidden mode <c>--node NAME --interface IF --priority P --vip CIDR [--vrid N] [--advert 100ms] [--port N]</c>: one VirtualIp
/// host (configuration section "VirtualIp", Linux platform) plus a UDP echo responder, inside whatever network namespace it
/// was started in. Prints one line per event for the parent; SIGTERM/SIGINT stops it gracefully.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class NodeMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        var a = Arguments.Parse(args);
        string name = a.Get("--node");
        var settings = new Dictionary<string, string?>
        {
            ["VirtualIp:Routers:0:Name"] = DemoSettings.Router4,
            ["VirtualIp:Routers:0:Interface"] = a.Get("--interface", DemoSettings.Interface),
            ["VirtualIp:Routers:0:VirtualRouterId"] = a.Get("--vrid", DemoSettings.VirtualRouterId.ToString(CultureInfo.InvariantCulture)),
            ["VirtualIp:Routers:0:Priority"] = a.Get("--priority"),
            ["VirtualIp:Routers:0:AdvertisementInterval"] = a.Get("--advert", "100ms"),
            ["VirtualIp:Routers:0:Vips:0"] = a.Get("--vip", DemoSettings.Vip.ToString()),
        };
        if (a.TryGet("--vip6") is { } vip6)
        {
            // The IPv6 VIP is a second virtual router (VRRPv3 runs one per address family), same VRID.
            settings["VirtualIp:Routers:1:Name"] = DemoSettings.Router6;
            settings["VirtualIp:Routers:1:Interface"] = settings["VirtualIp:Routers:0:Interface"];
            settings["VirtualIp:Routers:1:VirtualRouterId"] = settings["VirtualIp:Routers:0:VirtualRouterId"];
            settings["VirtualIp:Routers:1:Priority"] = settings["VirtualIp:Routers:0:Priority"];
            settings["VirtualIp:Routers:1:AdvertisementInterval"] = settings["VirtualIp:Routers:0:AdvertisementInterval"];
            settings["VirtualIp:Routers:1:Vips:0"] = vip6;
        }

        int port = int.Parse(a.Get("--port", DemoSettings.EchoPort.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace); // stdout is for the parent
        builder.Services.AddVirtualIp(builder.Configuration.GetSection("VirtualIp")).UseLinux();
        using var host = builder.Build();

        host.Services.GetRequiredService<IVirtualIpEvents>().Published += (_, e) =>
        {
            switch (e)
            {
                case RouterStateChangedEvent s:
                    Console.WriteLine(LineProtocol.Format(s.Timestamp, "state", s.Router, s.OldState, s.NewState, s.Reason, s.Priority));
                    break;
                case VipBindingChangedEvent b:
                    Console.WriteLine(LineProtocol.Format(b.Timestamp, "vip", b.Bound ? "added" : "removed", b.Vip));
                    break;
                case ActionFailedEvent f:
                    Console.WriteLine(LineProtocol.Format(f.Timestamp, "msg", $"{f.Action} failed: {f.Error}"));
                    break;
                case StaleAddressesRemovedEvent r:
                    Console.WriteLine(LineProtocol.Format(r.Timestamp, "msg", $"removed stale {string.Join(", ", r.Removed)}"));
                    break;
            }
        };

        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        // Dual-stack: answers probes of the IPv4 VIP and (with --vip6) of the IPv6 VIP.
        using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true };
        socket.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
        var responder = EchoAsync(socket, Encoding.ASCII.GetBytes(name), lifetime.ApplicationStopping);

        await host.StartAsync();
        Console.WriteLine(LineProtocol.Format(DateTimeOffset.UtcNow, "msg", $"VirtualIp running (pid {Environment.ProcessId}), echo on udp/{port}"));
        await host.WaitForShutdownAsync();
        await responder;
        Console.WriteLine(LineProtocol.Format(DateTimeOffset.UtcNow, "msg", "stopped"));
        return 0;
    }

    /// <summary>Answers each datagram with its first 8 bytes (the probe's sequence number) followed by this node's name.</summary>
    private static async Task EchoAsync(Socket socket, byte[] name, CancellationToken ct)
    {
        var buffer = new byte[64];
        var reply = new byte[8 + name.Length];
        name.CopyTo(reply, 8);
        EndPoint any = new IPEndPoint(IPAddress.IPv6Any, 0);
        try
        {
            while (true)
            {
                var r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, ct);
                if (r.ReceivedBytes >= 8)
                {
                    buffer.AsSpan(0, 8).CopyTo(reply);
                    await socket.SendToAsync(reply, SocketFlags.None, r.RemoteEndPoint, ct);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
