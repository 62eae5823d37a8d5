using System.Diagnostics;

namespace VirtualIp.Lab;

/// <summary>A line of a child's output with the wall-clock time the harness read it.</summary>
internal readonly record struct StampedLine(DateTime Arrived, string Text);

/// <summary>
/// A child process started inside a namespace (<c>ip netns exec</c> execs, so the PID is the program's); its output
/// is kept with arrival times. Shared by the namespace labs (linked source).
/// </summary>
internal sealed class Child : IDisposable
{
    private readonly Process _process;
    private readonly List<StampedLine> _lines = [];
    private int _disposed;

    private Child(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts <paramref name="program"/> in <paramref name="ns"/> and registers its kill with <see cref="Cleanup"/>.
    /// The child does not inherit the harness's own <c>VIRTUALIP__*</c> variables; <paramref name="environment"/> adds its own.
    /// </summary>
    public static Child Start(string ns, string program, IEnumerable<string> args, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }

        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("VIRTUALIP__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            psi.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        foreach (var a in new[] { "netns", "exec", ns, program }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        var p = new Process { StartInfo = psi };
        var child = new Child(p);
        p.OutputDataReceived += (_, e) => child.Add(e.Data);
        p.ErrorDataReceived += (_, e) => child.Add(e.Data);
        p.Start();
        Cleanup.Register(child.Dispose);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return child;
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        var now = DateTime.UtcNow;
        lock (_lines)
        {
            _lines.Add(new StampedLine(now, line));
        }
    }

    public StampedLine[] Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The output so far, one line each.</summary>
    public string Log => string.Join('\n', Lines.Select(l => l.Text));

    public void Signal(int signal) => Native.Kill(_process.Id, signal);

    public bool WaitForExit(TimeSpan timeout) => _disposed != 0 || _process.WaitForExit(timeout);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                Native.Kill(_process.Id, Native.SIGCONT);
                Native.Kill(_process.Id, Native.SIGKILL);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
