namespace VirtualIp.Keepalived.Tests;

/// <summary>
/// keepalived 2.4.3's own doc/samples/keepalived.conf* (tests/vectors/keepalived-2.4.3-samples): each converts, its
/// JSON loads through <c>AddVirtualIp(section)</c> and validates, and whatever is not imported is named with its line.
/// </summary>
public sealed class SampleImportTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "vectors", "keepalived-2.4.3-samples");

    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(Folder, "keepalived.conf*").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }

        return data;
    }

    [Fact]
    public void All_25_samples_are_there() => Assert.Equal(25, Samples().Count);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_converts_or_names_what_it_cannot(string sample)
    {
        string path = Path.Combine(Folder, sample);
        var result = KeepalivedImporter.ImportFile(path);

        Assert.True(result.Succeeded, string.Join('\n', result.Errors));
        var options = ImportAssert.Load(result.Json!);
        string text = File.ReadAllText(path);
        int instances = text.Split('\n').Count(l => l.TrimStart().StartsWith("vrrp_instance", StringComparison.Ordinal));
        var lines = text.Split('\n');
        foreach (var u in result.Unmapped)
        {
            Assert.Equal(path, u.File);
            Assert.InRange(u.Line, 1, lines.Length);
            Assert.Contains(u.Directive.TrimStart('@', '^'), lines[u.Line - 1], StringComparison.Ordinal); // the line really holds it
            Assert.False(string.IsNullOrWhiteSpace(u.Reason));
        }

        // Every vrrp_instance became a router, or the reason it did not names its line.
        int dropped = result.Unmapped.Count(u => u.Directive == "vrrp_instance");
        Assert.Equal(instances, options.Routers.Count + dropped);
        Assert.True(options.Routers.Count + options.StaticVips.Count > 0 || result.Unmapped.Count > 0, $"{sample}: nothing imported and nothing reported");
        TestContext.Current.TestOutputHelper?.WriteLine($"{sample}: {options.Routers.Count} router(s), {result.Unmapped.Count} unmapped\n{string.Join('\n', result.Unmapped)}");
    }

    [Fact]
    public void The_vrrp_sample_maps_instances_password_and_garp()
    {
        var result = KeepalivedImporter.ImportFile(Path.Combine(Folder, "keepalived.conf.vrrp"));
        var options = ImportAssert.Load(result.Json!);

        Assert.Equal(["VI_1", "VI_2", "VI_3", "VI_4"], options.Routers.Select(r => r.Name));
        var vi1 = options.Routers[0];
        Assert.Equal(("eth0", 51, 100, "1111"), (vi1.Interface, vi1.VirtualRouterId, vi1.Priority, vi1.AuthPassword));
        Assert.Equal(["192.168.200.16/32", "192.168.200.17/32", "192.168.200.18/32"], vi1.Vips.Select(v => v.ToString()));
        Assert.Equal(TimeSpan.FromSeconds(10), options.Announcements.SecondBurstDelay);
        Assert.EndsWith("keepalived.conf.vrrp:32: label: address option ignored: VIP 192.168.200.18/32 is imported without it", ImportAssert.Unmapped(result, 32, "label").ToString(), StringComparison.Ordinal);
        ImportAssert.Unmapped(result, 17, "smtp_alert");
    }

    [Fact]
    public void The_conditional_sample_follows_the_config_id()
    {
        string path = Path.Combine(Folder, "keepalived.conf.conditional_conf");
        var high = KeepalivedImporter.ImportFile(path, new KeepalivedImportOptions { ConfigId = "high" });
        var low = KeepalivedImporter.ImportFile(path, new KeepalivedImportOptions { ConfigId = "low" });

        var h = ImportAssert.Load(high.Json!);
        var l = ImportAssert.Load(low.Json!);
        Assert.Equal(170, h.Routers.Single().Priority);
        Assert.Equal(85, l.Routers.Single().Priority);
        Assert.Equal("exec:/etc/keepalived/scripts/check_high_VI_0.sh", h.Checks.Single().Target);
        Assert.Equal(Vrrp.VrrpVersion.V3, h.Routers.Single().Version);
        ImportAssert.Unmapped(high, 23, "use_vmac");
    }
}
