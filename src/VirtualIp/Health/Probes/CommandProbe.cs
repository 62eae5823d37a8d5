using System.Diagnostics;
using System.Globalization;

namespace VirtualIp.Health.Probes;

/// <summary>
/// Runs a command through the shell (/bin/sh -c, or cmd /c on Windows); exit code 0 is healthy. On cancellation
/// (timeout) the whole process tree is killed. Output is drained and discarded.
/// </summary>
internal sealed class CommandProbe : IHealthProbe
{
    private static readonly string[] s_exitReasons = CreateExitReasons();
    private readonly string _command;

    public CommandProbe(string command)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        _command = command;
    }

    public string Command => _command;

    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        // Output goes to the null device (like keepalived's scripts); nothing is redirected through pipes we would have to drain.
        var info = OperatingSystem.IsWindows()
            ? new ProcessStartInfo("cmd.exe") { ArgumentList = { "/c", _command + " <NUL >NUL 2>&1" } }
            : new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "exec </dev/null >/dev/null 2>&1\n" + _command } };
        info.UseShellExecute = false;
        info.CreateNoWindow = true;

        using var process = new Process { StartInfo = info };
        try
        {
            if (!process.Start())
            {
                return ProbeResult.Failure(ProbeReasons.StartFailed);
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return ProbeResult.Failure(ProbeReasons.StartFailed);
        }

        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            throw;
        }

        var code = process.ExitCode;
        return code == 0 ? ProbeResult.Success : ProbeResult.Failure(code is > 0 and < 256 ? s_exitReasons[code] : ProbeReasons.NonZeroExit);
    }

    public override string ToString() => $"exec:{_command}";

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exiting right now.
        }
    }

    private static string[] CreateExitReasons()
    {
        var reasons = new string[256];
        for (var i = 1; i < reasons.Length; i++)
        {
            reasons[i] = string.Create(CultureInfo.InvariantCulture, $"exit code {i}");
        }

        return reasons;
    }
}
