namespace VirtualIp.Keepalived.Tests.Parsing;

/// <summary>
/// <see cref="KeepalivedImportOptions.IncludeRoot"/>: an include is read only when the file really lies under the root
/// (after globbing, links followed to their final target, <c>..</c> applied where the kernel applies it); everything
/// else is named as not read. Made for the fuzz target, whose executions read the machine's files through
/// <c>include /*/*o</c> and fell from ~9,800 to ~600 per second.
/// </summary>
public sealed class IncludeRootTests : IDisposable
{
    private const string Vip = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n  192.0.2.1/24\n }\n}\n";
    private const string Secret = "vrrp_instance SECRET {\n interface eth0\n virtual_router_id 9\n priority 100\n virtual_ipaddress {\n  192.0.2.9/24\n }\n}\n";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ka-root-");

    public IncludeRootTests()
    {
        // T/root/conf.d/10-a.conf (inside), T/outside/secret.conf (outside), T/root/secret.conf lexically where a
        // ".." after a link would land if it were applied to the text of the path instead of to the link's target.
        Directory.CreateDirectory(Path.Combine(Root, "conf.d"));
        Directory.CreateDirectory(Path.Combine(Outside, "deep"));
        File.WriteAllText(Path.Combine(Root, "conf.d", "10-a.conf"), Vip);
        File.WriteAllText(Path.Combine(Outside, "secret.conf"), Secret);
    }

    private string Root => Path.Combine(_dir.FullName, "root");

    private string Outside => Path.Combine(_dir.FullName, "outside");

    public void Dispose() => _dir.Delete(recursive: true);

    private KeepalivedImportResult Import(string text, string? root = "") =>
        KeepalivedImporter.Import(text, new KeepalivedImportOptions { BaseDirectory = Root, IncludeRoot = root == "" ? Root : root });

    private static IReadOnlyList<string> Routers(KeepalivedImportResult result)
    {
        Assert.True(result.Succeeded, string.Join('\n', result.Errors));
        return ImportAssert.Load(result.Json!).Routers.Select(r => r.Name).ToList();
    }

    [Fact]
    public void A_glob_under_the_root_is_read()
    {
        File.WriteAllText(Path.Combine(Root, "conf.d", "20-b.conf"), Vip.Replace("VI_1", "VI_2").Replace("router_id 1", "router_id 2").Replace("192.0.2.1/", "192.0.2.2/"));

        var result = Import("include conf.d/*.conf\n");

        Assert.Equal(["VI_1", "VI_2"], Routers(result));
        Assert.DoesNotContain(result.Unmapped, u => u.Directive == "include");
    }

    [Fact]
    public void A_symbolic_link_inside_the_root_pointing_outside_is_not_read()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "symbolic links (Linux)");
        File.CreateSymbolicLink(Path.Combine(Root, "conf.d", "20-link.conf"), Path.Combine(Outside, "secret.conf"));

        var result = Import("include conf.d/*.conf\n");

        Assert.Equal(["VI_1"], Routers(result));
        var skipped = ImportAssert.Unmapped(result, 1, "include").Reason;
        Assert.Contains("20-link.conf", skipped, StringComparison.Ordinal);
        Assert.Contains($"'{Path.Combine(Outside, "secret.conf")}', outside the include root '{Root}': not read", skipped, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symbolic_link_to_a_folder_outside_is_not_searched_nor_read()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "symbolic links (Linux)");
        Directory.CreateSymbolicLink(Path.Combine(Root, "out"), Outside);

        var glob = Import("include out/*.conf\n");
        var named = Import("include out/secret.conf\n");

        Assert.Contains("outside the include root", ImportAssert.Unmapped(glob, 1, "include").Reason, StringComparison.Ordinal);
        Assert.Contains("1 folder(s) there not searched", ImportAssert.Unmapped(glob, 1, "include").Reason, StringComparison.Ordinal);
        Assert.Contains("outside the include root", ImportAssert.Unmapped(named, 1, "include").Reason, StringComparison.Ordinal);
        Assert.Empty(Routers(glob));
        Assert.Empty(Routers(named));
    }

    [Fact]
    public void Dot_dot_escapes_are_not_read()
    {
        var named = Import("include ../outside/secret.conf\n");
        var glob = Import("include ../*/secret.conf\n");
        var inside = Import("include conf.d/../conf.d/10-a.conf\n");

        Assert.Contains($"outside the include root '{Root}': not read", ImportAssert.Unmapped(named, 1, "include").Reason, StringComparison.Ordinal);
        Assert.Contains("not searched", ImportAssert.Unmapped(glob, 1, "include").Reason, StringComparison.Ordinal);
        Assert.Empty(Routers(named));
        Assert.Empty(Routers(glob));
        Assert.Equal(["VI_1"], Routers(inside));
    }

    [Fact]
    public void Dot_dot_after_a_link_is_applied_to_the_link_target_as_the_kernel_does()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "symbolic links (Linux)");
        // root/deep -> outside/deep, so root/deep/../secret.conf is outside/secret.conf, although its text reads
        // root/secret.conf (which exists too and would be inside).
        Directory.CreateSymbolicLink(Path.Combine(Root, "deep"), Path.Combine(Outside, "deep"));
        File.WriteAllText(Path.Combine(Root, "secret.conf"), Vip);

        var result = Import("include deep/../secret.conf\n");

        Assert.Contains($"'{Path.Combine(Outside, "secret.conf")}', outside", ImportAssert.Unmapped(result, 1, "include").Reason, StringComparison.Ordinal);
        Assert.Empty(Routers(result));
    }

    [Fact]
    public void A_root_reached_through_a_link_and_links_inside_it_are_read()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "symbolic links (Linux)");
        string alias = Path.Combine(_dir.FullName, "alias");
        Directory.CreateSymbolicLink(alias, Root);
        File.CreateSymbolicLink(Path.Combine(Root, "b.conf"), Path.Combine(Root, "conf.d", "10-a.conf"));

        var result = Import("include b.conf\n", alias);

        Assert.Equal(["VI_1"], Routers(result));
    }

    [Fact]
    public void A_symbolic_link_loop_is_neither_followed_forever_nor_read()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "symbolic links (Linux)");
        File.CreateSymbolicLink(Path.Combine(Root, "a.conf"), Path.Combine(Root, "b.conf"));
        File.CreateSymbolicLink(Path.Combine(Root, "b.conf"), Path.Combine(Root, "a.conf"));

        var result = Import("include a.conf\ninclude *.conf\n");

        Assert.Empty(Routers(result));
        Assert.Contains("a.conf' is a symbolic link loop: not read", ImportAssert.Unmapped(result, 1, "include").Reason, StringComparison.Ordinal);
        Assert.Equal(2, result.Unmapped.Count(u => u.Line == 2 && u.Reason.Contains("symbolic link loop", StringComparison.Ordinal)));
        Assert.Null(VirtualIp.Keepalived.Parsing.IncludeRoot.Resolve(Path.Combine(Root, "a.conf")));
        Assert.Equal(Path.Combine(Root, "conf.d", "10-a.conf"), VirtualIp.Keepalived.Parsing.IncludeRoot.Resolve(Path.Combine(Root, ".", "conf.d", "..", "conf.d", "10-a.conf")));
    }

    [Fact]
    public void Without_a_root_includes_are_read_anywhere_as_keepalived_reads_them()
    {
        Assert.Equal(["SECRET"], Routers(Import("include ../outside/secret.conf\n", root: null)));
    }

    [Fact]
    public void Import_file_honours_the_root()
    {
        string main = Path.Combine(Root, "keepalived.conf");
        File.WriteAllText(main, "include conf.d/*.conf\ninclude ../outside/*.conf\n");

        var confined = KeepalivedImporter.ImportFile(main, new KeepalivedImportOptions { IncludeRoot = Root });
        var free = KeepalivedImporter.ImportFile(main);

        Assert.Equal(["VI_1"], Routers(confined));
        Assert.Contains("not searched", ImportAssert.Unmapped(confined, 2, "include").Reason, StringComparison.Ordinal);
        Assert.Equal(["SECRET", "VI_1"], Routers(free).Order(StringComparer.Ordinal));
    }
}
