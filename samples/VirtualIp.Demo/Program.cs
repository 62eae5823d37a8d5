using VirtualIp.Demo;
using VirtualIp.Demo.Modes;
using VirtualIp.Demo.Namespaces;
using VirtualIp.Demo.Simulated;

// VirtualIp.Demo: three nodes, one VIP, a client probing it; the master dies, a backup takes over, the master returns.
//   dotnet run --project samples/VirtualIp.Demo                 real namespaces when root on Linux, else simulated
//   dotnet run --project samples/VirtualIp.Demo -- --simulated   always the in-memory SimulatedLan
// Hidden modes used by the namespace run: --node NAME ... (a VirtualIp node), --probe ADDRESS ... (the client).
if (args.Length > 0 && args[0] == "--node" && OperatingSystem.IsLinux())
{
    return await NodeMode.RunAsync(args);
}

if (args.Length > 0 && args[0] == "--probe")
{
    return await ProbeMode.RunAsync(args);
}

if (args.FirstOrDefault(a => a is not ("--simulated" or "--ipv6" or "-h" or "--help")) is { } unknown)
{
    Console.Error.WriteLine($"unknown argument '{unknown}'");
    PrintUsage(Console.Error);
    return 2;
}

if (args.Any(a => a is "-h" or "--help"))
{
    PrintUsage(Console.Out);
    return 0;
}

string? simulatedBecause =
    args.Contains("--simulated") ? "--simulated was given"
    : !OperatingSystem.IsLinux() ? $"this is not Linux ({System.Runtime.InteropServices.RuntimeInformation.OSDescription})"
    : !IsRoot() ? "not running as root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)"
    : !Tools.OnPath("ip") ? "iproute2's 'ip' is not on PATH"
    : null;

// --ipv6: a second virtual router for 2001:db8::100/64 on every node, probed too (namespaces only: the simulated
// LAN carries VRRP between nodes' IPv4 addresses).
DemoSettings.WithIpv6 = args.Contains("--ipv6") && simulatedBecause is null;
IDemoNetwork network = simulatedBecause is null ? new NamespaceNetwork()
    : new SimulatedNetwork(simulatedBecause + (args.Contains("--ipv6") ? "; --ipv6 is ignored here (namespaces only)" : ""));
using var cancel = new CancellationTokenSource();
ConsoleCancelEventHandler onCancel = (_, e) =>
{
    e.Cancel = true; // let the finally blocks remove everything
    Narrator.Say("Ctrl-C: stopping and cleaning up");
    cancel.Cancel();
};
Console.CancelKeyPress += onCancel;
var scenario = new Scenario(network);
try
{
    return await scenario.RunAsync(cancel.Token);
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    return 130;
}
catch (Exception ex)
{
    Narrator.Say($"FAILED: {ex.GetType().Name}: {ex.Message}");
    return 1;
}
finally
{
    // Remove everything (children, namespaces, hosts) whatever happened, then print the summary last.
    await network.DisposeAsync();
    Console.CancelKeyPress -= onCancel;
    Narrator.Plain("");
    foreach (var line in scenario.Summary)
    {
        Narrator.Plain(line);
    }
}

static void PrintUsage(TextWriter w)
{
    w.WriteLine("usage: VirtualIp.Demo [--simulated] [--ipv6]");
    w.WriteLine("  As root on Linux: builds network namespaces (vipdemo-<hex>-*) and runs three real VirtualIp nodes in them.");
    w.WriteLine("  Otherwise, or with --simulated: the same scenario on the in-memory SimulatedLan.");
    w.WriteLine("  --ipv6: also fail over 2001:db8::100/64 (a second virtual router; namespaces only).");
}

static bool IsRoot() => File.Exists("/proc/self/status") &&
    File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal)) is { } uid &&
    uid.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, _, var effective, ..] && effective == "0";
