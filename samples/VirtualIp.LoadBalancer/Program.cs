using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualIp.Balancing;
using VirtualIp.LoadBalancer;
using VirtualIp.Samples;

// VirtualIp.LoadBalancer
//   --listen ADDR:PORT --backends HOST:PORT[*WEIGHT],... [--scheduler NAME] [--udp] [--max-connections N]
//       [--drain-timeout SECONDS] [--allow CIDR,...] [--deny CIDR,...]      run one forwarder until Ctrl-C / SIGTERM
//       [--idle-timeout S] [--first-byte-timeout S] [--per-source-limit N] [--per-source-rate N/S] [--server-speaks-first]
//       [--vip ADDR/PREFIX --interface IF --vrid N [--priority N] [--advert-interval SECONDS]]
//                                                                          ... and hold the VIP with VRRP (Linux, root)
//   --echo ADDR:PORT,...                                                   TCP echo backends (loopback or lab addresses)
//   [--control 127.0.0.1:PORT]                                             runtime commands over loopback HTTP (README.md)
//   (or no --listen/--backends: the Forwarder section of appsettings.json / environment; see README.md)
//   --bench 127.0.0.1:PORT [--label NAME] [--duration SECONDS] [--phases conn,bulk,rr]   loopback load generator (benchmarks)
var opts = CommandLine.Parse(args);
if (opts is null)
{
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

if (opts.TryGetValue("echo", out var echo))
{
    return await EchoBackends.RunAsync(echo);
}

if (opts.TryGetValue("bench", out var target))
{
    int seconds = opts.TryGetValue("duration", out var d) ? int.Parse(d, CultureInfo.InvariantCulture) : 5;
    return await LoadGenerator.RunAsync(target, opts.GetValueOrDefault("label", "target"), TimeSpan.FromSeconds(seconds), opts.GetValueOrDefault("phases", "conn,bulk,rr"));
}

// Settings: appsettings.json (beside the program, then the working directory's, edits live), environment, flags.
var settings = LoadBalancerConfiguration.Settings();
if (!LoadBalancerConfiguration.HasForwarder(settings.Configuration!, opts))
{
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

bool vrrp = opts.ContainsKey("vip");
if (vrrp && !(opts.ContainsKey("interface") && opts.ContainsKey("vrid")))
{
    Console.Error.WriteLine("--vip needs --interface and --vrid.");
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

if (vrrp && !OperatingSystem.IsLinux())
{
    Console.Error.WriteLine("--vip runs VRRP, which needs Linux (raw protocol-112 sockets, rtnetlink).");
    return 2;
}

var builder = Host.CreateApplicationBuilder(settings);
string name = LoadBalancerConfiguration.Name(builder.Configuration);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Services.AddOptions<HostOptions>().Configure<IOptionsMonitor<ForwarderOptions>>((o, f) =>
{
    try
    {
        o.ShutdownTimeout = f.Get(name).DrainTimeout + TimeSpan.FromSeconds(5); // the stop drains for DrainTimeout
    }
    catch (OptionsValidationException)
    {
        // reported one line per error by ConfigurationCheck below
    }
});
if (vrrp)
{
    // Two or more of these hosts share the VIP: the VRRP master binds it and announces it. WithForwarder ties the
    // forwarder to it: --listen 0.0.0.0:PORT becomes VIP:PORT, bound with IP_FREEBIND on every node (backups are ready
    // the instant the VIP arrives), and a node with no available backend goes to Fault so the VIP moves. AddVirtualIp
    // also registers the health monitor, so every backend gets an active TCP check (ForwarderOptions.HealthCheck).
    if (!VirtualIp.Addressing.VipAddress.TryParse(opts["vip"], out var vip))
    {
        Console.Error.WriteLine($"error: --vip {opts["vip"]} is not ADDR/PREFIX (e.g. 192.0.2.100/24).");
        return 2;
    }

    builder.Services.AddVirtualIp(_ => { }).UseLinux().AddFloatingVip(r =>
    {
        r.Name = "lb";
        r.Interface = opts["interface"];
        r.VirtualRouterId = int.Parse(opts["vrid"], CultureInfo.InvariantCulture);
        r.Priority = int.Parse(opts.GetValueOrDefault("priority", "100"), CultureInfo.InvariantCulture);
        r.AdvertisementInterval = TimeSpan.FromSeconds(double.Parse(opts.GetValueOrDefault("advert-interval", "1"), CultureInfo.InvariantCulture));
        r.Vips.Add(vip);
    }).WithForwarder(name); // listen on the VIP (IP_FREEBIND) on every node; Fault while the forwarder cannot serve
    builder.Services.AddSingleton<IHostedService, VrrpStateReporter>();
}

builder.Services.AddVirtualIpForwarder(builder.Configuration.GetSection(LoadBalancerConfiguration.Section), o =>
{
    o.Name = name;
    LoadBalancerConfiguration.ApplyFlags(opts, builder.Configuration, o);
});
if (!ControlEndpointRegistration.TryAdd(builder.Services, builder.Configuration, opts, name, defaultDeadline: TimeSpan.FromSeconds(10), Console.Error))
{
    return ConfigurationCheck.ExitCode;
}

try
{
    using var host = builder.Build();
    if (!ConfigurationCheck.Validate(host.Services, Console.Error))
    {
        return ConfigurationCheck.ExitCode; // 78 = EX_CONFIG: the lines above name every bad setting
    }

    await host.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is Microsoft.Extensions.Options.OptionsValidationException or ArgumentException or FormatException or System.Net.Sockets.SocketException
    or VirtualIp.Binding.VipBindingException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
