using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualIp.Events;
using VirtualIp.Failover;
using VirtualIp.Failover.Control;
using VirtualIp.Samples;

// VirtualIp.Failover: a keepalived-like daemon on the library. One line per state change; SIGTERM gives the VIP up cleanly.
// Exit codes: 0 stopped cleanly, 1 the platform refused (permissions, interface), 2 bad command line,
// 78 (EX_CONFIG) invalid configuration: one "error: KEY ..." line per problem on stderr.
if (RuntimeControlHosting.IsControlClient(args))
{
    return await ControlClient.RunAsync(args[1..], Console.Out, Console.Error); // exit codes: see ControlClient
}

if (args is [ImportKeepalivedCommand.Name, .. var importArgs])
{
    return ImportKeepalivedCommand.Run(importArgs, Console.Out, Console.Error); // exit codes in ImportKeepalivedCommand
}

if (!FailoverArguments.TryParse(args, out var cli, out bool verbose, out bool help, out string? error) || help)
{
    if (error is not null)
    {
        Console.Error.WriteLine($"error: {error}");
    }

    Console.Error.WriteLine(FailoverArguments.Usage);
    return help ? 0 : 2;
}

if (!OperatingSystem.IsLinux())
{
    Console.Error.WriteLine("error: VirtualIp.Failover runs VRRP on Linux (raw protocol-112 sockets); on Windows use static VIPs through VirtualIp.Windows.");
    return 1;
}

// --elector etcd: the router's interface, VIP and checks become a lease-elected VIP; no VRRP router is configured.
var elected = LeaseElection.Extract(cli);
var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
builder.Configuration
    .AddJsonFile("appsettings.json", optional: true)
    .AddJsonFile(Path.Combine(Environment.CurrentDirectory, "appsettings.json"), optional: true, reloadOnChange: true) // edits apply live
    .AddEnvironmentVariables() // VIRTUALIP__ROUTERS__0__PRIORITY=150 is VirtualIp:Routers:0:Priority
    .AddInMemoryCollection(cli);
builder.Logging.AddSimpleConsole(c =>
{
    c.SingleLine = true;
    c.UseUtcTimestamp = true;
    c.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
}).SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning);
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
var virtualIp = builder.Services.AddVirtualIp(builder.Configuration.GetSection("VirtualIp")).UseLinux();
if (!ProcessSettings.TryRead(builder.Configuration, Console.Error, out int realtimePriority, out bool lockMemory, out bool trimMemory, out bool pageOutImage))
{
    return ConfigurationCheck.ExitCode;
}

virtualIp.UseLinuxProcess(o => // SCHED_RR and mlockall before the routers start; the memory trim once they run
{
    o.RealtimePriority = realtimePriority;
    o.LockMemory = lockMemory;
    o.TrimMemoryAfterStart = trimMemory;
    o.PageOutImageAfterStart = pageOutImage;
});
if (elected is not null)
{
    virtualIp.UseEtcd(builder.Configuration.GetSection("VirtualIp:Etcd"))
        .AddLeaseElectedVip(elected.Name, elected.Interface, elected.Vip, o =>
        {
            foreach (var c in elected.Checks)
            {
                o.TrackChecks.Add(c);
            }
        });
}

builder.Services.AddFailoverOperations(); // systemd notify + journald format, control socket, READY after the first states (last)
using var host = builder.Build();
if (!ConfigurationCheck.Validate(host.Services, Console.Error))
{
    return ConfigurationCheck.ExitCode; // 78 = EX_CONFIG: the lines above name every bad key
}

var events = host.Services.GetRequiredService<IVirtualIpEvents>();
events.Published += (_, e) =>
{
    string? line = e switch
    {
        RouterStateChangedEvent s => $"{s.Router} {s.OldState} -> {s.NewState} ({s.Reason}) priority {s.Priority} master {s.MasterAddress?.ToString() ?? "-"}",
        VipBindingChangedEvent b => $"{(b.Bound ? "added" : "removed")} {b.Vip} on {b.Interface}",
        HealthChangedEvent h => $"check {h.Check} {h.OldState} -> {h.NewState} ({h.Reason})",
        PriorityChangedEvent p => $"{p.Router} priority {p.Priority}{(p.Fault ? " fault" : "")} ({p.Reason})",
        VipDeletedExternallyEvent d => $"{d.Address} was deleted from {d.Interface} by someone else{(d.Restored ? "; restored" : "")}",
        StaleAddressesRemovedEvent r => $"removed {r.Removed.Count} stale address(es) from {r.Interface}: {string.Join(", ", r.Removed)}",
        ActionFailedEvent f => $"{f.Router} {f.Action} {f.Target} failed: {f.Error}",
        RouterConflictEvent c => $"{c.Router} router conflict: {c.Source} advertises priority {c.AdvertisedPriority} ({c.Conflict}) while {c.State}",
        VipConflictEvent v => $"vip conflict: {v.Address} claimed by {v.ForeignMac} on {v.Interface} (defended: {v.Defended})",
        VirtualIp.Etcd.LeaseElectionChangedEvent l => $"{l.Name} {(l.Owner ? "owner" : "released")} {l.Vip} ({l.Reason})",
        _ => null,
    };
    if (line is not null)
    {
        Console.Out.WriteLine($"{e.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {line}");
        Console.Out.Flush();
    }
};

// SIGHUP (keepalived's reload): re-read the configuration and apply what can change live: the HMAC signing key.
using var reload = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
{
    context.Cancel = true;
    RuntimeControlHosting.Reload(builder.Configuration, host.Services);
    var runtime = host.Services.GetRequiredService<VirtualIp.Hosting.IVirtualIpRuntime>();
    foreach (var router in builder.Configuration.GetSection("VirtualIp:Routers").GetChildren())
    {
        if (router["Name"] is { } name && int.TryParse(router["AuthHmac:ActiveKey"], NumberStyles.None, CultureInfo.InvariantCulture, out int key))
        {
            Console.Out.WriteLine(runtime.TrySetActiveAuthKey(name, key)
                ? $"{DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {name} signs with key {key}"
                : $"{DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {name}: key {key} is not configured; the signing key is unchanged");
            Console.Out.Flush();
        }
    }
});

try
{
    await host.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    foreach (var failure in ex.Failures)
    {
        Console.Error.WriteLine($"error: {failure}");
    }

    return ConfigurationCheck.ExitCode;
}
catch (Exception ex) when (ex is ControlSocketException or VirtualIp.Binding.VipBindingException or VirtualIp.Linux.Vrrp.VrrpTransportException or VirtualIp.Linux.Packet.FrameSenderException or VirtualIp.Linux.ProcessTuning.LinuxProcessException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}
