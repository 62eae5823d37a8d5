namespace VirtualIp.Testing;

/// <summary>Where the test vectors are, and whether kernel tests can run here.</summary>
internal static class TestEnvironment
{
    /// <summary>The keepalived 2.2.7 captures, copied from tests/vectors/ into the test output.</summary>
    public static string VectorsDir => Path.Combine(AppContext.BaseDirectory, "vectors", "keepalived-2.2.7");

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
}
