namespace VirtualIp.Keepalived.Tests.Parsing;

/// <summary>The tolerant parser: comments, quotes, braces anywhere, includes, conditional lines, definitions, malformed input.</summary>
public sealed class ParserTests
{
    private const string Vip = "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    192.0.2.1/24\n  }\n}\n";

    [Theory]
    [InlineData("vrrp_instance VI_1 {\n  interface eth0\n", 1, "not closed")]
    [InlineData("vrrp_instance VI_1 {\n  interface eth0\n  virtual_ipaddress {\n    192.0.2.1\n}\n", 1, "not closed")]
    [InlineData("global_defs {\n}\n}\n", 3, "closes no block")]
    [InlineData("vrrp_script x {\n  script \"/bin/true\n}\n", 2, "unterminated quoted string")]
    [InlineData("{\n}\n", 1, "without a directive")]
    public void Malformed_input_is_an_error_with_its_line(string text, int line, string reason)
    {
        var result = KeepalivedImporter.Import(text);

        Assert.False(result.Succeeded);
        Assert.Null(result.Json);
        Assert.Contains(result.Errors, e => e.Line == line && e.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\0\0\0{{{")]
    [InlineData("}}}}")]
    [InlineData("\"")]
    [InlineData("vrrp_instance {\n priority\n virtual_router_id x\n advert_int -1\n virtual_ipaddress {\n not-an-address/99\n }\n}")]
    [InlineData("@\n@^\n$=\n$A=\n$A\ninclude\ninclude \"\"")]
    public void Garbage_never_throws(string text)
    {
        var result = KeepalivedImporter.Import(text);

        Assert.True(result.Succeeded ? result.Json is not null : result.Errors.Count > 0);
        if (result.Succeeded)
        {
            ImportAssert.Load(result.Json!);
        }
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(4242);
        const string Alphabet = "{}\"#!@$^ \n\tabcdefvrrp_instance192.0.2.1/ ";
        for (int i = 0; i < 500; i++)
        {
            var chars = new char[random.Next(0, 200)];
            for (int k = 0; k < chars.Length; k++)
            {
                chars[k] = Alphabet[random.Next(Alphabet.Length)];
            }

            var result = KeepalivedImporter.Import(new string(chars));
            Assert.True(result.Succeeded == (result.Json is not null));
        }
    }

    [Fact]
    public void Comments_quotes_and_braces_on_one_line()
    {
        var (result, o) = ImportAssert.Imports("""
            ! a comment
            # another
            vrrp_instance VI_1 {   # trailing comment
              interface eth0 ! and another
              virtual_router_id 1
              notify "/bin/echo a # not a comment ! neither"
              virtual_ipaddress { 192.0.2.1/24 }
            }
            """);

        Assert.Equal("/bin/echo a # not a comment ! neither", o.Notify.Any);
        Assert.Equal("192.0.2.1/24", o.Routers.Single().Vips.Single().ToString());
        Assert.Empty(result.Unmapped);
    }

    [Fact]
    public void Opening_brace_on_the_next_line()
    {
        var (_, o) = ImportAssert.Imports("vrrp_instance VI_1\n{\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress\n  {\n    192.0.2.1/24\n  }\n}\n");

        Assert.Equal("VI_1", o.Routers.Single().Name);
    }

    [Fact]
    public void Definitions_are_expanded()
    {
        var (_, o) = ImportAssert.Imports("$IF=eth0\n$VRID=7\nvrrp_instance VI_1 {\n  interface $IF\n  virtual_router_id ${VRID}\n  virtual_ipaddress {\n    192.0.2.1/24\n  }\n}\n");

        Assert.Equal(("eth0", 7), (o.Routers[0].Interface, o.Routers[0].VirtualRouterId));
    }

    [Fact]
    public void Conditional_lines_follow_the_config_id_or_are_reported()
    {
        const string Text = "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n@a  priority 200\n@^a  priority 50\n  virtual_ipaddress {\n    192.0.2.1/24\n  }\n}\n";

        var (_, a) = ImportAssert.Imports(Text, configId: "a");
        var (_, b) = ImportAssert.Imports(Text, configId: "b");
        var (none, n) = ImportAssert.Imports(Text);

        Assert.Equal((200, 50, 50), (a.Routers[0].Priority, b.Routers[0].Priority, n.Routers[0].Priority));
        Assert.Contains("skipped", ImportAssert.Unmapped(none, 4, "@a").Reason, StringComparison.Ordinal);
        Assert.Contains("applied", ImportAssert.Unmapped(none, 5, "@^a").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Include_with_a_glob_relative_to_the_including_file()
    {
        var dir = Directory.CreateTempSubdirectory("ka-include-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "conf.d"));
            File.WriteAllText(Path.Combine(dir.FullName, "conf.d", "20-b.conf"), Vip.Replace("VI_1", "VI_2").Replace("router_id 1", "router_id 2").Replace("192.0.2.1/", "192.0.2.2/"));
            File.WriteAllText(Path.Combine(dir.FullName, "conf.d", "10-a.conf"), Vip + "use_vmac\n");
            File.WriteAllText(Path.Combine(dir.FullName, "conf.d", "skip.txt"), "garbage {");
            string main = Path.Combine(dir.FullName, "keepalived.conf");
            File.WriteAllText(main, "include conf.d/*.conf\ninclude missing/*.conf\n");

            var result = KeepalivedImporter.ImportFile(main);
            var o = ImportAssert.Load(result.Json!);

            Assert.Equal(["VI_1", "VI_2"], o.Routers.Select(r => r.Name));
            var vmac = Assert.Single(result.Unmapped, u => u.Directive == "use_vmac");
            Assert.Equal((Path.Combine(dir.FullName, "conf.d", "10-a.conf"), 8), (vmac.File, vmac.Line));
            ImportAssert.Unmapped(result, 2, "include");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Include_loop_is_an_error()
    {
        var dir = Directory.CreateTempSubdirectory("ka-loop-");
        try
        {
            string main = Path.Combine(dir.FullName, "keepalived.conf");
            File.WriteAllText(main, "include keepalived.conf\n");

            var result = KeepalivedImporter.ImportFile(main);

            Assert.Contains(result.Errors, e => e.Line == 1 && e.Reason.Contains("loop", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("a.conf", "*.conf", true)]
    [InlineData(".hidden.conf", "*.conf", false)]
    [InlineData("b.conf", "[ab].conf", true)]
    [InlineData("c.conf", "[!ab].conf", true)]
    [InlineData("a.conf", "?.conf", true)]
    [InlineData("ab.conf", "?.conf", false)]
    [InlineData("abcabd", "*ab*d", true)]
    [InlineData("abcabe", "*ab*d", false)]
    [InlineData("x.conf", "x.conf*", true)]
    [InlineData("", "*", true)]
    [InlineData("[a", "[a", true)]
    public void Glob_matches_like_fnmatch(string name, string pattern, bool matches) =>
        Assert.Equal(matches, VirtualIp.Keepalived.Parsing.Glob.Matches(name, pattern));

    /// <summary>Regression (fuzzing, eng/fuzz/findings/keepalived-hang-open.conf): thirteen '*' before a literal that never
    /// matches backtracked exponentially and an <c>include</c> of it ran for minutes.</summary>
    [Fact]
    public void Glob_with_many_stars_is_not_exponential()
    {
        string name = new('a', 200);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        bool matched = VirtualIp.Keepalived.Parsing.Glob.Matches(name, "*************rXdtrac");
        Assert.False(matched);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
    }
}
