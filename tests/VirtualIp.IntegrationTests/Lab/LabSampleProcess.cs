using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace VirtualIp.IntegrationTests.Lab;

/// <summary>
/// A sample host (a dll built with this test project) running inside a lab namespace (<c>ip netns exec NS dotnet DLL
/// ARGS</c>), its stdout and stderr collected; <see cref="Kill"/> is SIGKILL (no shutdown path runs), dispose kills too.
/// </summary>
internal sealed class LabSampleProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private LabSampleProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>A name for the test output.</summary>
    public string Name { get; }

    /// <summary>Everything the process printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The path of a sample dll baked into this test assembly at build time (AssemblyMetadata <paramref name="key"/>).</summary>
    public static string Locate(string key)
    {
        string? dll = typeof(LabSampleProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"the sample of '{key}' was not built at '{dll}' (it builds with this test project)");
    }

    /// <summary>Starts <paramref name="dll"/> with <paramref name="args"/> in namespace <paramref name="ns"/>.</summary>
    public static LabSampleProcess Start(string name, string ns, string dll, params string[] args)
    {
        var psi = new ProcessStartInfo(TestingTools.Resolve("ip"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in (string[])["netns", "exec", ns, "dotnet", dll, .. args])
        {
            psi.ArgumentList.Add(a);
        }

        var p = new Process { StartInfo = psi };
        var d = new LabSampleProcess(name, p);
        p.OutputDataReceived += (_, e) => d.Append(e.Data);
        p.ErrorDataReceived += (_, e) => d.Append(e.Data);
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return d;
    }

    /// <summary>SIGKILL (kill -9; <c>ip netns exec</c> execs dotnet, so this is the host itself) and wait for the exit.</summary>
    public void Kill()
    {
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
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
