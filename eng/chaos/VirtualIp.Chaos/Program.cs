using System.Diagnostics;
using System.Runtime.InteropServices;
using VirtualIp.Chaos;

// Chaos harness (issue #15): see ChaosConfig.Usage, eng/chaos/run.sh and docs/chaos.md.
ChaosConfig c;
try
{
    c = ChaosConfig.Parse(args);
}
catch (FormatException ex)
{
    Console.Error.WriteLine("error: " + ex.Message);
    Console.Error.WriteLine(ChaosConfig.Usage);
    return 2;
}

if (c.Help)
{
    Console.WriteLine(ChaosConfig.Usage);
    return 0;
}

if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
{
    Console.Error.WriteLine("error: needs Linux and root (network namespaces, raw sockets)");
    return 3;
}

foreach (var tool in new[] { "ip", "nft", "tcpdump", "stress-ng" })
{
    if (Shell.Run("sh", "-c", $"command -v {tool}").Code != 0)
    {
        Console.Error.WriteLine($"error: {tool} not installed");
        return 3;
    }
}

if (c.Kind != "keepalived" && !File.Exists(c.FailoverDll))
{
    Console.Error.WriteLine($"error: {c.FailoverDll} not found; build samples/VirtualIp.Failover or pass --failover-dll");
    return 3;
}

if (c.Kind != "ours" && !File.Exists(c.KeepalivedBinary))
{
    Console.Error.WriteLine($"error: {c.KeepalivedBinary} not found (apt-get install keepalived) or pass --keepalived");
    return 3;
}

if (c.Hmac && !File.Exists(c.FakeTimeLibrary))
{
    Console.Error.WriteLine($"error: {c.FakeTimeLibrary} not found (apt-get install libfaketime): --auth hmac steps clocks through it");
    return 3;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
{
    ctx.Cancel = true;
    stop.Cancel();
});

string outDir = Path.GetFullPath(c.Out);
Directory.CreateDirectory(outDir);
var work = Directory.CreateTempSubdirectory("vip-chaos-").FullName;
Cleanup.Register(() => Directory.Delete(work, recursive: true));
var plan = FaultPlan.Draw(c.Seed, c.Faults, c.Only, c.Hmac, c.HmacWindow);
Console.WriteLine($"chaos: seed {c.Seed}, {c.Faults} faults, kind {c.Kind}, lab vip-{c.LabId}-*, out {outDir}");
foreach (var f in plan)
{
    Console.WriteLine("  " + f);
}

var run = new ChaosRun(c, outDir, work, stop.Token);
var sw = Stopwatch.StartNew();
int code;
try
{
    code = run.Execute(plan);
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("cancelled; cleaning up");
    code = 130;
}
catch (Exception ex)
{
    Console.Error.WriteLine("error: " + ex);
    code = 1;
}
finally
{
    Cleanup.RunAll();
}

Report.Write(outDir, c, plan, run, sw.Elapsed);
if (code == 0 && !c.KeepPcap)
{
    File.Delete(Path.Combine(outDir, "chaos.pcap"));
}

return code;
