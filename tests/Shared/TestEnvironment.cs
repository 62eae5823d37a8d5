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

    /// <summary>True when the process runs as root (uid 0) on Linux.</summary>
    public static bool IsRoot => OperatingSystem.IsLinux() && Environment.UserName == "root" && GetEuid() == 0;

    /// <summary>Skips the current test unless it runs as root on Linux with the named tools on PATH.</summary>
    public static void RequireRootAndTools(params string[] tools)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "needs Linux");
        Assert.SkipUnless(IsRoot, "needs root (network namespaces, CAP_NET_ADMIN, CAP_NET_RAW)");
        foreach (var tool in tools)
        {
            Assert.SkipUnless(FindOnPath(tool) is not null, $"needs '{tool}' on PATH (apt-get install it; ./test.sh does)");
        }
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

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuidNative();

    private static uint GetEuid()
    {
        try
        {
            return GetEuidNative();
        }
        catch (DllNotFoundException)
        {
            return uint.MaxValue;
        }
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
