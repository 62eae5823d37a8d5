using System.Diagnostics;
using System.Reflection;
using VirtualIp.Testing;

namespace VirtualIp.Examples.Tests;

/// <summary>
/// A sample host given a bad configuration prints one "error: KEY ..." line per problem, nothing else (no host log,
/// no stack trace), and exits with 78 (EX_CONFIG). The hosts run as child processes, as a user would start them.
/// </summary>
public sealed class SampleHostConfigurationErrorTests
{
    private const int ExConfig = 78;

    [Fact]
    public async Task Failover_with_bad_command_line_values_lists_every_error_with_its_key_and_exits_78()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "VirtualIp.Failover runs VRRP on Linux only (it refuses other systems before reading configuration)");
        using var dir = new TempDir();

        var (code, stdout, stderr) = await RunAsync("FailoverSampleDll", dir.Path,
            "--interface", "lo", "--vrid", "51", "--priority", "300", "--vip", "192.0.2.100/24", "--vip", "2001:db8::100/64", "--advert-interval", "soon");

        Assert.Equal(ExConfig, code);
        Assert.Equal("", stdout);
        Assert.Equal(
            [
                "error: VirtualIp:Routers:0:AdvertisementInterval = 'soon' is not a duration (examples: 20ms, 1s, 2m, 00:00:05)",
                "error: VirtualIp:Routers:0:Priority = 300 is out of range 1..255 (0 is reserved for a master that is leaving)",
                "error: VirtualIp:Routers:0:Vips:1 = 2001:db8::100/64 is IPv6 but Vips:0 is IPv4; use one router per family",
            ],
            stderr);
    }

    [Fact]
    public async Task Failover_with_a_bad_appsettings_json_names_the_key_from_the_file_and_exits_78()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "VirtualIp.Failover runs VRRP on Linux only (it refuses other systems before reading configuration)");
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "appsettings.json"), """
            { "VirtualIp": { "Routers": [ { "Name": "web", "Interface": "lo", "VirtualRouterId": 0, "Vips": [ "192.0.2.100/24" ] } ],
                             "Checks": [ { "Name": "app", "Target": "ftp://127.0.0.1/", "Rise": 0 } ] } }
            """);

        var (code, stdout, stderr) = await RunAsync("FailoverSampleDll", dir.Path);

        Assert.Equal(ExConfig, code);
        Assert.Equal("", stdout);
        Assert.NotEmpty(stderr);
        Assert.All(stderr, l => Assert.StartsWith("error: VirtualIp:", l));
        Assert.Contains(stderr, l => l.StartsWith("error: VirtualIp:Routers:0:VirtualRouterId = 0 ", StringComparison.Ordinal));
        Assert.Contains(stderr, l => l.StartsWith("error: VirtualIp:Checks:0:Target = 'ftp://127.0.0.1/' ", StringComparison.Ordinal));
        Assert.Contains("error: VirtualIp:Checks:0:Rise = 0 is out of range 1..1000", stderr);
    }

    [Fact]
    public async Task Failover_reads_VIRTUALIP_environment_variables_and_names_their_key()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "VirtualIp.Failover runs VRRP on Linux only (it refuses other systems before reading configuration)");
        using var dir = new TempDir();

        var (code, stdout, stderr) = await RunAsync("FailoverSampleDll", dir.Path, new Dictionary<string, string> { ["VIRTUALIP__ROUTERS__0__PRIORITY"] = "0" },
            "--interface", "lo", "--vrid", "51", "--vip", "192.0.2.100/24");

        Assert.Equal(ExConfig, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr);
        Assert.Equal("error: VirtualIp:Routers:0:Priority = 0 is out of range 1..255 (0 is reserved for a master that is leaving)", line, ignoreCase: true);
    }

    [Fact]
    public async Task LoadBalancer_with_bad_forwarder_settings_lists_every_error_and_exits_78()
    {
        using var dir = new TempDir();

        var (code, stdout, stderr) = await RunAsync("LoadBalancerSampleDll", dir.Path,
            "--listen", "127.0.0.1:99999", "--backends", "127.0.0.1:9001", "--max-connections", "-3");

        Assert.Equal(ExConfig, code);
        Assert.Equal("", stdout);
        Assert.Equal(
            [
                "error: Forwarder 'cli': Listen '127.0.0.1:99999' is not ADDR:PORT (e.g. 127.0.0.1:8080 or [::]:443)",
                "error: Forwarder 'cli': MaxConnections -3 must be at least 1",
            ],
            stderr);
    }

    private static Task<(int Code, string Stdout, string[] Stderr)> RunAsync(string dllKey, string workingDirectory, params string[] args) =>
        RunAsync(dllKey, workingDirectory, new Dictionary<string, string>(), args);

    private static async Task<(int Code, string Stdout, string[] Stderr)> RunAsync(
        string dllKey, string workingDirectory, Dictionary<string, string> environment, params string[] args)
    {
        string dll = typeof(SampleHostConfigurationErrorTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == dllKey).Value!;
        Assert.True(File.Exists(dll), $"{dll} was not built (it builds with this test project)");
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } p && File.Exists(p) ? p
            : TestEnvironment.FindOnPath("dotnet") ?? "dotnet";

        var psi = new ProcessStartInfo(dotnet) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("VIRTUALIP__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            psi.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60)); // a host that does not stop on a configuration error would hang: fail instead
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var errLines = (await stderr).ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (process.ExitCode, await stdout, errLines);
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("vip-examples-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
