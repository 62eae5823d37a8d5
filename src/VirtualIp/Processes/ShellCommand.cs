using System.Diagnostics;

namespace VirtualIp.Processes;

/// <summary>
/// Runs a command line through the shell (<c>/bin/sh -c</c>, or <c>cmd /c</c> on Windows) with its output sent to the null
/// device, like keepalived's scripts. Shared by exec health checks and notify commands. Arguments are passed as positional
/// parameters (<c>$1</c>, <c>$2</c>… on Unix, never spliced into the command line); on cancellation the whole process tree
/// is killed.
/// </summary>
internal static class ShellCommand
{
    /// <summary>Runs <paramref name="command"/> and returns its exit code.</summary>
    /// <exception cref="ShellCommandStartException">The shell could not be started.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired; the process tree was killed.</exception>
    public static async Task<int> RunAsync(string command, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        ArgumentNullException.ThrowIfNull(arguments);
        var info = OperatingSystem.IsWindows() ? new ProcessStartInfo("cmd.exe") : new ProcessStartInfo("/bin/sh");
        if (OperatingSystem.IsWindows())
        {
            info.ArgumentList.Add("/c");
            info.ArgumentList.Add((arguments.Count == 0 ? command : command + " " + string.Join(' ', arguments)) + " <NUL >NUL 2>&1");
        }
        else
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("exec </dev/null >/dev/null 2>&1\n" + command + (arguments.Count == 0 ? "" : " \"$@\""));
            info.ArgumentList.Add("sh");
            foreach (var a in arguments)
            {
                info.ArgumentList.Add(a);
            }
        }

        info.UseShellExecute = false;
        info.CreateNoWindow = true;
        using var process = new Process { StartInfo = info };
        try
        {
            if (!process.Start())
            {
                throw new ShellCommandStartException(command, null);
            }
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            throw new ShellCommandStartException(command, ex);
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

        return process.ExitCode;
    }

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
}

/// <summary>The shell for a command could not be started (missing shell, no resources).</summary>
internal sealed class ShellCommandStartException(string command, Exception? inner)
    : Exception($"Could not start the shell for '{command}'{(inner is null ? "" : ": " + inner.Message)}.", inner);
