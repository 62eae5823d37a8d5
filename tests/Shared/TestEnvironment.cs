namespace VirtualIp.Testing;

/// <summary>Where the shared test vectors are, and whether kernel tests can run here.</summary>
internal static class TestEnvironment
{
    private static readonly Lazy<string?> s_sharedDir = new(FindSharedDir);

    /// <summary>The shared/ folder beside the checkout (VIRTUALIP_SHARED overrides), or null.</summary>
    public static string? SharedDir => s_sharedDir.Value;

    /// <summary>The folder of keepalived 2.2.7 captures.</summary>
    public static string VectorsDir =>
        Path.Combine(SharedDir ?? throw new InvalidOperationException("shared/ not found: set VIRTUALIP_SHARED"), "vectors", "keepalived-2.2.7");

    /// <summary>True when the process runs with effective uid 0 on Linux (whatever the user is called).</summary>
    public static bool IsRoot => OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess;

    /// <summary>True under CI (CI=true): a test that would skip for a missing tool, root or capability fails instead.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Skips the current test with <paramref name="reason"/> unless <paramref name="condition"/> holds. Under CI
    /// (<see cref="IsCi"/>) the test fails instead: a skip there means the CI environment is broken.
    /// </summary>
    public static void Require(bool condition, string reason)
    {
        if (condition)
        {
            return;
        }

        if (IsCi)
        {
            Assert.Fail($"CI=true and this test cannot run here: {reason} (.ci/run must provide it)");
        }

        Assert.Skip(reason);
    }

    /// <summary>Skips (fails under CI) unless the test runs as root on Linux with the named tools on PATH.</summary>
    public static void RequireRootAndTools(params string[] tools)
    {
        Require(OperatingSystem.IsLinux(), "needs Linux");
        Require(IsRoot, "needs root: effective uid 0 (network namespaces, CAP_NET_ADMIN, CAP_NET_RAW)");
        foreach (var tool in tools)
        {
            Require(FindOnPath(tool) is not null, $"needs '{tool}' on PATH (tests/tools.txt names its package; .ci/run installs it)");
        }
    }

    /// <summary>Skips (fails under CI) unless the shared library <paramref name="soname"/> loads (e.g. libpcap.so.0.8).</summary>
    public static void RequireNativeLibrary(string soname, string package)
    {
        var loaded = System.Runtime.InteropServices.NativeLibrary.TryLoad(soname, out var handle);
        if (loaded)
        {
            System.Runtime.InteropServices.NativeLibrary.Free(handle);
        }

        Require(loaded, $"needs {soname} (package {package}; .ci/run installs it)");
    }

    /// <summary>Full path of an executable on PATH (also /usr/sbin and /sbin), or null.</summary>
    public static string? FindOnPath(string tool)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]);
        foreach (var d in dirs)
        {
            if (d.Length == 0)
            {
                continue;
            }

            var p = Path.Combine(d, tool);
            if (File.Exists(p))
            {
                return p;
            }
        }

        return null;
    }

    private static string? FindSharedDir()
    {
        var env = Environment.GetEnvironmentVariable("VIRTUALIP_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return env;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "vectors")))
            {
                return candidate;
            }
        }

        return null;
    }
}
