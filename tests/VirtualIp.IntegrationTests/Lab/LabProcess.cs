using System.Diagnostics;

namespace VirtualIp.IntegrationTests.Lab;

/// <summary>The result of a child process.</summary>
internal sealed record ProcessResult(string Command, int ExitCode, string StdOut, string StdErr)
{
    /// <summary>Throws with the command, exit code and stderr unless it exited 0.</summary>
    public ProcessResult EnsureSuccess() => ExitCode == 0
        ? this
        : throw new InvalidOperationException($"'{Command}' exited {ExitCode}: {StdErr.Trim()} {StdOut.Trim()}");
}

/// <summary>Runs child processes for the lab (ip, tcpdump, ping). Never used by src/.</summary>
internal static class LabProcess
{
    public static async Task<ProcessResult> RunAsync(string file, IReadOnlyList<string> args, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(TestingTools.Resolve(file))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        string command = file + " " + string.Join(' ', args);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start '{command}'.");
        var stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                p.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            throw new TimeoutException($"'{command}' did not finish in time.");
        }

        return new ProcessResult(command, p.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Synchronous variant for Dispose paths.</summary>
    public static ProcessResult Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(TestingTools.Resolve(file))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(30_000))
        {
            p.Kill(entireProcessTree: true);
        }

        return new ProcessResult(file + " " + string.Join(' ', args), p.ExitCode, output, err.GetAwaiter().GetResult());
    }
}

/// <summary>Tool path lookup.</summary>
internal static class TestingTools
{
    public static string Resolve(string tool) =>
        tool.Contains('/', StringComparison.Ordinal) ? tool : VirtualIp.Testing.TestEnvironment.FindOnPath(tool) ?? tool;
}
