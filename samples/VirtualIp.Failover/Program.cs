using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using VirtualIp.Election;
using VirtualIp.Failover;
using VirtualIp.Linux.Vrrp;
using VirtualIp.Vrrp;

// VirtualIp.Failover: one keepalived-compatible VRRP virtual router, one line per state change.
var options = FailoverArguments.TryParse(args, out var verbose, out var error);
if (options is null)
{
    if (!string.IsNullOrEmpty(error))
    {
        Console.Error.WriteLine(error);
    }

    Console.Error.WriteLine(FailoverArguments.Usage);
    return string.IsNullOrEmpty(error) ? 0 : 2;
}

using var loggerFactory = LoggerFactory.Create(b => b
    .AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "HH:mm:ss.fff "; })
    .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning));

IVirtualRouter router;
try
{
    var transport = LinuxVrrpTransport.CreateForRouter(options, loggerFactory);
    router = VirtualRouterFactory.Create(options, transport, new IpCommandVipBinder(), announcer: null, TimeProvider.System, loggerFactory);
}
catch (VrrpTransportException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}

static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

router.StateChanged += (_, e) => Console.WriteLine(
    $"{e.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {e.RouterName} vrid {e.VirtualRouterId} " +
    $"{e.OldState} -> {e.NewState} ({e.Reason}) priority {e.Priority} master {e.MasterAddress?.ToString() ?? "-"}" +
    (e.Detail is null ? "" : $" [{e.Detail}]"));
router.ActionFailed += (_, e) => Console.Error.WriteLine($"{Now()} {e.RouterName} {e.Action} {e.Target} failed: {e.Exception.Message}");

using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

Console.WriteLine($"{Now()} {options.Name} vrid {options.VirtualRouterId} priority {options.Priority} on {options.Interface}: " +
    $"VRRPv{(int)options.Version}, advert {options.AdvertisementInterval.TotalMilliseconds} ms, VIPs {string.Join(", ", options.Vips)}" +
    (options.UnicastPeers.Count > 0 ? $", unicast peers {string.Join(", ", options.UnicastPeers)}" : ", multicast"));
await router.StartAsync(stop.Token).ConfigureAwait(false);
try
{
    await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
}
catch (OperationCanceledException)
{
}

Console.WriteLine($"{Now()} stopping: priority 0 advert, removing VIPs");
using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
await router.StopAsync(timeout.Token).ConfigureAwait(false);
await router.DisposeAsync().ConfigureAwait(false);
Console.WriteLine($"{Now()} stopped");
return 0;
