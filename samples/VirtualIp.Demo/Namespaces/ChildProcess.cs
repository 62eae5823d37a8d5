using System.Diagnostics;

namespace VirtualIp.Demo.Namespaces;

/// <summary>This program running in another mode inside a network namespace (<c>ip netns exec NS self --node ...</c>).</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="args"/> inside <paramref name="ns"/>; every stdout line goes to <paramref name="onLine"/>, stderr is shown.</summary>
    public static ChildProcess Start(string name, string ns, IEnumerable<string> args, Action<string> onLine)
    {
        // ip netns exec enters the namespace and exec()s the program: the child's pid is the program itself, and
        // every socket it opens (raw VRRP, AF_PACKET, netlink, UDP) lives in that namespace.
        // nice -n -10: VRRP timing should not suffer from whatever else the machine is doing (builds); keepalived
        // likewise runs its VRRP process at raised priority (vrrp_priority / vrrp_rt_priority).
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in (string[])["netns", "exec", ns, "nice", "-n", "-10", .. Tools.SelfCommand(), .. args])
        {
            psi.ArgumentList.Add(a);
        }

        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                onLine(line);
            }
        };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                Narrator.Say($"{name} (stderr): {line}");
            }
        };
        if (!p.Start())
        {
            throw new InvalidOperationException($"could not start {name}");
        }

        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return new ChildProcess(p, name);
    }

    public bool Signal(int signal) => !_process.HasExited && Signals.Send(_process.Id, signal);

    /// <summary>Waits for exit; false on timeout.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (Signal(Signals.SigTerm) && await WaitAsync(grace))
        {
            return;
        }

        await KillAsync();
    }

    public async Task KillAsync()
    {
        Signal(Signals.SigKill);
        await WaitAsync(TimeSpan.FromSeconds(5));
    }

    public void Dispose() => _process.Dispose();
}
