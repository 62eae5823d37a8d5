using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using VirtualIp.Testing;

namespace VirtualIp.Etcd.Tests;

/// <summary>samples/VirtualIp.LeaseClient as a child process (a node), its output lines collected; killed by PID on dispose.</summary>
internal sealed partial class LeaseClientProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource<string> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LeaseClientProcess(params string[] args)
    {
        var dll = typeof(LeaseClientProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "LeaseClientDll").Value!;
        Assert.True(File.Exists(dll), $"samples/VirtualIp.LeaseClient was not built at {dll} (it builds with this test project)");
        var psi = new ProcessStartInfo(DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _done.TrySetResult("(exited)");
                return;
            }

            lock (_lines)
            {
                _lines.Add(e.Data);
            }

            if (e.Data.StartsWith("done ", StringComparison.Ordinal))
            {
                _done.TrySetResult(e.Data);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_lines)
                {
                    _lines.Add("stderr: " + e.Data);
                }
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } p && File.Exists(p) ? p
        : TestEnvironment.FindOnPath("dotnet") ?? "/usr/share/dotnet/dotnet";

    public int Pid => _process.Id;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>(holder, address) of every "granted" line so far.</summary>
    public IReadOnlyList<(string Holder, string Address)> Granted =>
        [.. Lines.Select(l => GrantedLine().Match(l)).Where(m => m.Success).Select(m => (m.Groups[1].Value, m.Groups[2].Value))];

    public int Count(string kind) => Lines.Count(l => l.StartsWith(kind + " ", StringComparison.Ordinal));

    /// <summary>Waits for the "done" line; fails with the output when it does not come in time.</summary>
    public async Task<string> WaitDoneAsync(TimeSpan timeout)
    {
        var done = await Task.WhenAny(_done.Task, Task.Delay(timeout));
        Assert.True(done == _done.Task, $"lease client {Pid} did not finish in {timeout}: {string.Join(" | ", Lines.TakeLast(5))}");
        return await _done.Task;
    }

    /// <summary>Waits until at least <paramref name="n"/> grants were printed.</summary>
    public async Task WaitGrantedAsync(int n, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (Granted.Count < n)
        {
            Assert.True(DateTime.UtcNow < until, $"lease client {Pid}: only {Granted.Count} of {n} grants in {timeout}: {string.Join(" | ", Lines.TakeLast(5))}");
            Assert.False(_process.HasExited, $"lease client {Pid} exited: {string.Join(" | ", Lines.TakeLast(5))}");
            await Task.Delay(20);
        }
    }

    /// <summary>kill -9.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false); // SIGKILL
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"^granted (\S+) (\S+)$")]
    private static partial Regex GrantedLine();
}
