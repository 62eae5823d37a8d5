using System.Diagnostics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using VirtualIp.Addressing;
using VirtualIp.Linux.Netlink;

namespace VirtualIp.Benchmarks.Netlink;

/// <summary>
/// Adding and removing one VIP: rtnetlink (this library) versus spawning <c>ip addr add/del</c> (what shell-out
/// implementations do). Runs against a veth inside a throwaway network namespace the benchmark creates (root
/// only); nothing touches the host's interfaces. Each invocation is one add plus one remove, reported per
/// operation. Run: <c>dotnet run -c Release --project benchmarks/VirtualIp.Benchmarks -- --filter '*NetlinkBind*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public partial class NetlinkBindBenchmarks
{
    private static readonly VipAddress Vip = VipAddress.Parse("192.0.2.100/24");
    private readonly string _ns = "vipbench-" + Environment.ProcessId.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
    private NetlinkVipBinder? _binder;

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    [GlobalSetup]
    public void Setup()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            throw new InvalidOperationException("This benchmark needs Linux and root (it creates a network namespace).");
        }

        Ip("netns", "add", _ns);
        Ip("-n", _ns, "link", "add", "bench0", "type", "veth", "peer", "name", "bench1");
        Ip("-n", _ns, "link", "set", "bench0", "up");
        Ip("-n", _ns, "link", "set", "bench1", "up");

        // Create the binder on a thread that entered the namespace: its socket stays there for good.
        var t = new Thread(() =>
        {
            using var h = File.OpenHandle($"/var/run/netns/{_ns}");
            if (SetNs((int)h.DangerousGetHandle(), 0x40000000) != 0)
            {
                throw new InvalidOperationException("setns failed: errno " + Marshal.GetLastPInvokeError());
            }

            _binder = new NetlinkVipBinder();
        });
        t.Start();
        t.Join();
        if (_binder is null)
        {
            throw new InvalidOperationException("The binder was not created.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _binder?.Dispose();
        Ip("netns", "del", _ns);
    }

    /// <summary>rtnetlink through the internal synchronous path (what the ValueTask API wraps).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = 2)]
    public bool Netlink()
    {
        bool a = _binder!.Add("bench0", Vip, null);
        bool r = _binder.Remove("bench0", Vip);
        return a & r;
    }

    /// <summary>rtnetlink through the public <see cref="VirtualIp.Binding.IVipBinder"/> API.</summary>
    [Benchmark(OperationsPerInvoke = 2)]
    public async ValueTask<bool> NetlinkAsync()
    {
        bool a = await _binder!.AddAsync("bench0", Vip);
        bool r = await _binder.RemoveAsync("bench0", Vip);
        return a & r;
    }

    /// <summary>Spawning <c>ip -n NS addr add</c> then <c>ip -n NS addr del</c>.</summary>
    [Benchmark(OperationsPerInvoke = 2)]
    public int IpProcess()
    {
        Ip("-n", _ns, "addr", "add", "192.0.2.100/24", "dev", "bench0");
        Ip("-n", _ns, "addr", "del", "192.0.2.100/24", "dev", "bench0");
        return 2;
    }

    private static void Ip(params string[] args)
    {
        var psi = new ProcessStartInfo(File.Exists("/usr/sbin/ip") ? "/usr/sbin/ip" : "ip") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed: {err}");
        }
    }
}
