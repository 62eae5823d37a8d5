using System.Diagnostics;

namespace VirtualIp.Demo.Namespaces;

/// <summary>Runs iproute2 and friends; the demo's only way of touching the network outside the library.</summary>
internal static class Tools
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string file, IEnumerable<string> args, CancellationToken ct = default)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var output = p.StandardOutput.ReadToEndAsync(ct);
        var error = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        return (p.ExitCode, await output, await error);
    }

    /// <summary>Runs <c>ip ARGS</c> and throws with its error text when it fails.</summary>
    public static async Task<string> IpAsync(CancellationToken ct, params string[] args)
    {
        var (code, output, error) = await RunAsync("ip", args, ct);
        return code == 0 ? output : throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({code}): {error.Trim()}");
    }

    public static Task<string> SysctlAsync(string ns, CancellationToken ct, params string[] settings) =>
        IpAsync(ct, ["netns", "exec", ns, "sysctl", "-q", "-w", .. settings]);

    /// <summary>True when <paramref name="name"/> is an executable on PATH.</summary>
    public static bool OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, name)));

    /// <summary>How to start this program again: the apphost, or the dotnet host plus this assembly.</summary>
    public static IReadOnlyList<string> SelfCommand()
    {
        var exe = Environment.ProcessPath ?? throw new InvalidOperationException("Environment.ProcessPath is unknown");
        return Path.GetFileNameWithoutExtension(exe) == "dotnet"
            ? [exe, Path.Combine(AppContext.BaseDirectory, "VirtualIp.Demo.dll")]
            : [exe];
    }
}
