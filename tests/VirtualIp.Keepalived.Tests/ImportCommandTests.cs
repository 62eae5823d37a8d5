using VirtualIp.Testing;
using System.Diagnostics;
using System.Reflection;

namespace VirtualIp.Keepalived.Tests;

/// <summary><c>VirtualIp.Failover import-keepalived</c> as an operator runs it: output, stderr lines and exit codes.</summary>
public sealed class ImportCommandTests
{
    private static string Dll => typeof(ImportCommandTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "FailoverSampleDll").Value!;

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo(TestEnvironment.FindOnPath("dotnet") ?? "/usr/share/dotnet/dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Dll);
        psi.ArgumentList.Add("import-keepalived");
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        string stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "import-keepalived did not exit");
        return (p.ExitCode, stdout.Result, stderr);
    }

    [Fact]
    public void Exit_codes()
    {
        var dir = Directory.CreateTempSubdirectory("ka-cmd-");
        try
        {
            string ok = Path.Combine(dir.FullName, "ok.conf"), some = Path.Combine(dir.FullName, "some.conf"), bad = Path.Combine(dir.FullName, "bad.conf");
            const string Instance = "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    192.0.2.1/24\n  }\n}\n";
            File.WriteAllText(ok, Instance);
            File.WriteAllText(some, Instance.Replace("  interface eth0\n", "  interface eth0\n  use_vmac\n"));
            File.WriteAllText(bad, "vrrp_instance VI_1 {\n");
            string output = Path.Combine(dir.FullName, "appsettings.json");

            var all = Run(ok);
            var partial = Run(some, "--output", output);
            var syntax = Run(bad);

            Assert.Equal(0, all.Code);
            ImportAssert.Load(all.Out);
            Assert.Equal(3, partial.Code);
            Assert.Contains($"{some}:3: use_vmac: ", partial.Err, StringComparison.Ordinal);
            ImportAssert.Load(File.ReadAllText(output));
            Assert.Equal(65, syntax.Code);
            Assert.Contains($"{bad}:1: syntax: ", syntax.Err, StringComparison.Ordinal);
            Assert.Equal(66, Run(Path.Combine(dir.FullName, "missing.conf")).Code);
            Assert.Equal(73, Run(ok, "--output", Path.Combine(dir.FullName, "no", "such", "dir", "a.json")).Code);
            Assert.Equal(2, Run().Code);
            Assert.Equal(2, Run(ok, "--bogus").Code);
            Assert.Equal(2, Run(ok, "--include-root").Code);

            // --include-root: an include outside the root is listed as not read (exit 3), and read without it.
            string root = Path.Combine(dir.FullName, "root");
            Directory.CreateDirectory(root);
            string main = Path.Combine(root, "keepalived.conf");
            File.WriteAllText(main, "include ../ok.conf\n");
            var confined = Run(main, "--include-root", root);
            Assert.Equal(3, confined.Code);
            Assert.Contains($"{main}:1: include: '{Path.Combine(root, "../ok.conf")}' is '{ok}', outside the include root '{root}': not read", confined.Err, StringComparison.Ordinal);
            Assert.Equal(0, Run(main).Code);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
