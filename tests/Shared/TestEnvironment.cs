namespace VirtualIp.Testing;

/// <summary>Where the test vectors are, and whether kernel tests can run here.</summary>
internal static class TestEnvironment
{
    /// <summary>The keepalived 2.2.7 captures, copied from tests/vectors/ into the test output.</summary>
    public static string VectorsDir => Path.Combine(AppContext.BaseDirectory, "vectors", "keepalived-2.2.7");

    /// <summary>True when the process runs with effective uid 0 on Linux (whatever the user is called).</summary>
    public static bool IsRoot => OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess;

    /// <summary>True under CI (CI=true): a test that would skip for a missing tool, root or capability fails instead.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A folder of vectors committed to the repository (tests/vectors/<paramref name="name"/>), found by walking up from
    /// the test binary to the checkout.
    /// </summary>
    public static string RepositoryVectors(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "vectors", name);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"tests/vectors/{name} not found above {AppContext.BaseDirectory}");
    }

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
}
