using System.Diagnostics;

namespace VirtualIp.Keepalived.Tests.Parsing;

/// <summary>
/// Regression tests for a hang found by fuzzing the importer (eng/fuzz, target keepalived): an <c>include</c> glob that
/// matched a device (<c>include /*/c*</c> reached /dev/console) blocked in the read forever. Includes now read only
/// non-empty files up to 16 MiB; anything else is named as not read.
/// </summary>
public sealed class IncludeFileTypeTests
{
    [Fact]
    public async Task Include_of_a_fifo_returns_naming_it_instead_of_blocking()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "FIFOs are made with mkfifo (Linux)");
        var dir = Directory.CreateTempSubdirectory("ka-fifo-");
        try
        {
            string fifo = Path.Combine(dir.FullName, "pipe.conf");
            using (var mkfifo = Process.Start("mkfifo", [fifo])!)
            {
                mkfifo.WaitForExit();
                Assert.Equal(0, mkfifo.ExitCode);
            }

            var import = Task.Run(() => KeepalivedImporter.Import("include *.conf\n", new KeepalivedImportOptions { BaseDirectory = dir.FullName }));
            var first = await Task.WhenAny(import, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
            Assert.True(first == import, "the import blocked on the FIFO");

            var skipped = ImportAssert.Unmapped(await import, 1, "include");
            Assert.Contains("pipe.conf", skipped.Reason, StringComparison.Ordinal);
            Assert.Contains("not a regular file", skipped.Reason, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Include_of_a_symbolic_link_to_a_fifo_is_judged_by_the_fifo_not_by_the_link()
    {
        // Found by fuzzing: "include /*/*r" reached /dev/stderr, a link whose own size (the length of "/proc/self/fd/2")
        // passed the size check, and the read of the pipe behind it blocked forever.
        Assert.SkipUnless(OperatingSystem.IsLinux(), "FIFOs are made with mkfifo (Linux)");
        var dir = Directory.CreateTempSubdirectory("ka-link-");
        try
        {
            string fifo = Path.Combine(dir.FullName, "pipe");
            using (var mkfifo = Process.Start("mkfifo", [fifo])!)
            {
                mkfifo.WaitForExit();
                Assert.Equal(0, mkfifo.ExitCode);
            }

            File.CreateSymbolicLink(Path.Combine(dir.FullName, "a.conf"), fifo);
            File.WriteAllText(Path.Combine(dir.FullName, "real"), "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n  192.0.2.1/24\n }\n}\n");
            File.CreateSymbolicLink(Path.Combine(dir.FullName, "b.conf"), Path.Combine(dir.FullName, "real"));

            var import = Task.Run(() => KeepalivedImporter.Import("include *.conf\n", new KeepalivedImportOptions { BaseDirectory = dir.FullName }));
            var first = await Task.WhenAny(import, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
            Assert.True(first == import, "the import blocked on the FIFO behind the link");

            var result = await import;
            var skipped = ImportAssert.Unmapped(result, 1, "include");
            Assert.Contains("a.conf", skipped.Reason, StringComparison.Ordinal);
            Assert.Contains("not a regular file", skipped.Reason, StringComparison.Ordinal);
            Assert.Equal("VI_1", Assert.Single(ImportAssert.Load(result.Json!).Routers).Name); // a link to a real file is read
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Includes_read_no_binary_file_and_at_most_16_MiB_together()
    {
        // Found by fuzzing: "include /*/*[...]" matched hundreds of programs under /bin, each below the per-file limit,
        // and parsing them as configuration took minutes.
        var dir = Directory.CreateTempSubdirectory("ka-budget-");
        try
        {
            File.WriteAllBytes(Path.Combine(dir.FullName, "a-program.conf"), [0x7f, (byte)'E', (byte)'L', (byte)'F', 0, 0, 1]);
            var big = new string('#', 9 * 1024 * 1024);
            File.WriteAllText(Path.Combine(dir.FullName, "b-big.conf"), big);
            File.WriteAllText(Path.Combine(dir.FullName, "c-big.conf"), big);

            var result = KeepalivedImporter.Import("include *.conf\n", new KeepalivedImportOptions { BaseDirectory = dir.FullName });

            var reasons = result.Unmapped.Where(u => u.Directive == "include").Select(u => u.Reason).ToList();
            Assert.Contains(reasons, r => r.Contains("a-program.conf", StringComparison.Ordinal) && r.Contains("binary", StringComparison.Ordinal));
            Assert.Contains(reasons, r => r.Contains("c-big.conf", StringComparison.Ordinal) && r.Contains("16 MiB together", StringComparison.Ordinal));
            Assert.DoesNotContain(reasons, r => r.Contains("b-big.conf", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Include_of_an_endless_device_is_not_read()
    {
        Assert.SkipUnless(File.Exists("/dev/zero"), "needs /dev/zero");

        var result = KeepalivedImporter.Import("include /dev/zero\n");

        Assert.Contains("not a regular file", ImportAssert.Unmapped(result, 1, "include").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Include_of_an_empty_file_is_named_and_the_rest_imports()
    {
        var dir = Directory.CreateTempSubdirectory("ka-empty-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "empty.conf"), "");
            string main = Path.Combine(dir.FullName, "keepalived.conf");
            File.WriteAllText(main, "include empty.conf\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n  192.0.2.1/24\n }\n}\n");

            var result = KeepalivedImporter.ImportFile(main);

            Assert.True(result.Succeeded, string.Join('\n', result.Errors));
            Assert.Equal("VI_1", Assert.Single(ImportAssert.Load(result.Json!).Routers).Name);
            Assert.Contains("empty", ImportAssert.Unmapped(result, 1, "include").Reason, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
