using System.Diagnostics;

namespace VirtualIp.Lab;

/// <summary>Runs short commands (ip, nft, sysctl) and waits for them. Shared by the namespace labs (linked source).</summary>
internal static class Shell
{
    public static (int Code, string Output) Run(params string[] args)
    {
        var psi = new ProcessStartInfo(args[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {args[0]}");
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(30_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException(string.Join(' ', args) + " did not finish in 30 s");
        }

        return (p.ExitCode, output + err.GetAwaiter().GetResult());
    }

    /// <summary>Runs and throws on a non-zero exit code.</summary>
    public static string Must(params string[] args)
    {
        var (code, output) = Run(args);
        return code == 0 ? output : throw new InvalidOperationException($"'{string.Join(' ', args)}' exited {code}: {output.Trim()}");
    }
}
