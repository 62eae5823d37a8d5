using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace VirtualIp.IntegrationTests.Vrrp;

/// <summary>
/// Two fresh network namespaces joined by a veth pair (interface "vr0" on both sides), with 192.0.2.1/24 +
/// 2001:db8::1/64 in A and .2 / ::2 in B, DAD off. Removed on Dispose. Private to the VRRP transport tests.
/// </summary>
internal sealed class VrrpNetnsPair : IDisposable
{
    public const string Interface = "vr0";

    private VrrpNetnsPair(string a, string b)
    {
        NamespaceA = a;
        NamespaceB = b;
    }

    public string NamespaceA { get; }

    public string NamespaceB { get; }

    public static VrrpNetnsPair Create()
    {
        var suffix = Convert.ToHexString(Guid.NewGuid().ToByteArray().AsSpan(0, 4)).ToLowerInvariant();
        var pair = new VrrpNetnsPair($"vrrpA{suffix}", $"vrrpB{suffix}");
        try
        {
            pair.Setup();
            return pair;
        }
        catch
        {
            pair.Dispose();
            throw;
        }
    }

    private void Setup()
    {
        foreach (var (ns, v4, v6) in new[] { (NamespaceA, "192.0.2.1/24", "2001:db8::1/64"), (NamespaceB, "192.0.2.2/24", "2001:db8::2/64") })
        {
            Shell.Run("ip", "netns", "add", ns);
            Shell.Run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
            Shell.Run("ip", "-n", ns, "link", "set", "lo", "up");
        }

        Shell.Run("ip", "-n", NamespaceA, "link", "add", Interface, "type", "veth", "peer", "name", Interface, "netns", NamespaceB);
        foreach (var (ns, v4, v6) in new[] { (NamespaceA, "192.0.2.1/24", "2001:db8::1/64"), (NamespaceB, "192.0.2.2/24", "2001:db8::2/64") })
        {
            Shell.Run("ip", "-n", ns, "addr", "add", v4, "dev", Interface);
            Shell.Run("ip", "-n", ns, "addr", "add", v6, "dev", Interface, "nodad");
            Shell.Run("ip", "-n", ns, "link", "set", Interface, "up");
        }

        // Wait for carrier and the link-local addresses (generated on link up).
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var ready = new[] { NamespaceA, NamespaceB }.All(ns =>
            {
                var addr = Shell.Run("ip", "-n", ns, "-6", "addr", "show", "dev", Interface, "scope", "link").Output;
                var link = Shell.Run("ip", "-n", ns, "link", "show", Interface).Output;
                return addr.Contains("fe80::", StringComparison.Ordinal) && !addr.Contains("tentative", StringComparison.Ordinal)
                    && link.Contains("LOWER_UP", StringComparison.Ordinal);
            });
            if (ready)
            {
                return;
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException("veth pair did not come up within 10 s");
            }

            Thread.Sleep(50);
        }
    }

    public string LinkLocal(string ns)
    {
        var output = Shell.Run("ip", "-n", ns, "-6", "-o", "addr", "show", "dev", Interface, "scope", "link").Output;
        var start = output.IndexOf("fe80::", StringComparison.Ordinal);
        var end = output.IndexOf('/', start);
        return output[start..end];
    }

    /// <summary>Runs <paramref name="action"/> on a fresh thread that has entered namespace <paramref name="ns"/>.</summary>
    public static T RunIn<T>(string ns, Func<T> action)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                EnterNamespace(ns);
                result = action();
            }
            catch (Exception ex)
            {
                error = ex;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            throw new InvalidOperationException($"in netns {ns}: {error.Message}", error);
        }

        return result!;
    }

    private static void EnterNamespace(string ns)
    {
        var fd = Open($"/var/run/netns/{ns}", 0x80000 /* O_RDONLY|O_CLOEXEC */);
        if (fd < 0)
        {
            throw new InvalidOperationException($"open netns {ns}: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (SetNs(fd, 0x40000000 /* CLONE_NEWNET */) != 0)
            {
                throw new InvalidOperationException($"setns {ns}: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            Close(fd);
        }
    }

    public void Dispose()
    {
        foreach (var ns in new[] { NamespaceA, NamespaceB })
        {
            Shell.TryRun("ip", "netns", "pids", ns)?.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList()
                .ForEach(pid => Shell.TryRun("kill", "-9", pid.Trim()));
            Shell.TryRun("ip", "netns", "del", ns);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}

internal static class Shell
{
    public static (int ExitCode, string Output) Run(string file, params string[] args)
    {
        var result = Exec(file, args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({result.ExitCode}): {result.Output}");
        }

        return result;
    }

    public static string? TryRun(string file, params string[] args)
    {
        try
        {
            var r = Exec(file, args);
            return r.ExitCode == 0 ? r.Output : null;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static (int ExitCode, string Output) Exec(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }
}

/// <summary>A keepalived process in a namespace, with its console log captured.</summary>
internal sealed class KeepalivedProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly string _dir;

    private KeepalivedProcess(Process process, string dir)
    {
        _process = process;
        _dir = dir;
    }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public static KeepalivedProcess Start(string ns, string config)
    {
        var dir = Directory.CreateTempSubdirectory("vrrp-keepalived-").FullName;
        var conf = Path.Combine(dir, "keepalived.conf");
        File.WriteAllText(conf, config);
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", ns, "/usr/sbin/keepalived", "-n", "-l", "-D", "-f", conf,
            "-p", Path.Combine(dir, "keepalived.pid"), "-r", Path.Combine(dir, "vrrp.pid") })
        {
            psi.ArgumentList.Add(a);
        }

        var process = new Process { StartInfo = psi };
        var k = new KeepalivedProcess(process, dir);
        process.OutputDataReceived += (_, e) => k.Append(e.Data);
        process.ErrorDataReceived += (_, e) => k.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return k;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    public bool WaitForLog(string text, TimeSpan timeout, int occurrences = 1)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (Count(Log, text) >= occurrences)
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return false;
    }

    public static int Count(string haystack, string needle)
    {
        var n = 0;
        for (var i = haystack.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = haystack.IndexOf(needle, i + 1, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    public void Dispose()
    {
        // Freeze the parent first (SIGSTOP): a running parent respawns a VRRP child that dies, and under load it did so
        // before it was killed, so the "dead" keepalived kept advertising. Then SIGKILL the VRRP child: killed after its
        // parent, the child would notice (PDEATHSIG) and leave gracefully with a priority-0 advert, which the "master died"
        // tests must not see. Then SIGKILL the frozen parent.
        var parentPid = Path.Combine(_dir, "keepalived.pid");
        if (File.Exists(parentPid) && int.TryParse(File.ReadAllText(parentPid).Trim(), out var parent))
        {
            _ = Kill(parent, 19 /* SIGSTOP */);
        }

        foreach (var pidFile in new[] { "vrrp.pid", "keepalived.pid" })
        {
            var path = Path.Combine(_dir, pidFile);
            if (File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out var pid))
            {
                try
                {
                    using var p = Process.GetProcessById(pid);
                    p.Kill();
                    p.WaitForExit(2000);
                }
                catch (ArgumentException)
                {
                }
                catch (InvalidOperationException)
                {
                }
            }
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
