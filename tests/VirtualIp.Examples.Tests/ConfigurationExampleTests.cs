using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VirtualIp.Hosting;

namespace VirtualIp.Examples.Tests;

/// <summary>
/// Every configuration the project shows — the ```json blocks of the READMEs and docs/configuration.md, and every
/// samples/**/appsettings*.json — goes through the real reader and validator (<c>AddVirtualIp(section)</c>, and
/// <c>AddVirtualIpForwarder</c> for each child of a top-level <c>Forwarders</c> section, then the options a host
/// validates at start) and must be accepted.
/// </summary>
public sealed class ConfigurationExampleTests
{
    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var b in ExampleFiles.Blocks("json"))
        {
            data.Add($"{b.File}:{b.Line}");
        }

        foreach (var f in ExampleFiles.AppSettings())
        {
            data.Add(f);
        }

        return data;
    }

    [Fact]
    public void The_examples_are_found()
    {
        var all = Examples().Select(r => (string)r.Data).ToList();
        Assert.Contains(all, e => e.StartsWith("README.md:", StringComparison.Ordinal));
        Assert.Contains(all, e => e.StartsWith("docs/configuration.md:", StringComparison.Ordinal));
        Assert.Contains("samples/VirtualIp.Failover/appsettings.example.json", all);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_validates(string example)
    {
        var options = Load(Text(example));

        Assert.True(options.Routers.Count + options.StaticVips.Count + options.Pools.Count + options.Checks.Count > 0, $"{example} configures nothing");
        Assert.All(options.Routers, r => Assert.NotEmpty(r.Vips));
    }

    [Fact]
    public void The_validator_rejects_both_families_in_one_router_naming_the_key()
    {
        const string Json = """
            { "VirtualIp": { "Routers": [ { "Name": "web", "Interface": "eth0", "VirtualRouterId": 51, "Priority": 300,
                                            "Vips": [ "192.0.2.100/24", "2001:db8::100/64" ] } ] } }
            """;

        var ex = Assert.Throws<OptionsValidationException>(() => Load(Json));

        Assert.Contains("VirtualIp:Routers:0:Priority = 300 is out of range 1..255 (0 is reserved for a master that is leaving).", ex.Failures);
        Assert.Contains(ex.Failures, f => f.StartsWith("VirtualIp:Routers:0:Vips:1 = 2001:db8::100/64 is IPv6", StringComparison.Ordinal)
            && f.Contains("use one router per family", StringComparison.Ordinal));
    }

    internal static VirtualIpOptions Load(string json)
    {
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection();
        services.AddVirtualIp(configuration.GetSection("VirtualIp"));
        foreach (var forwarder in configuration.GetSection("Forwarders").GetChildren())
        {
            services.AddVirtualIpForwarder(forwarder); // a router's "Forwarder" names one of these (VirtualIp.Balancing)
        }

        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
        return provider.GetRequiredService<IOptions<VirtualIpOptions>>().Value;
    }

    private static string Text(string example)
    {
        int colon = example.LastIndexOf(':');
        if (example.EndsWith(".json", StringComparison.Ordinal) || colon < 0)
        {
            return ExampleFiles.Read(example);
        }

        string file = example[..colon];
        int line = int.Parse(example[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return ExampleFiles.Blocks(file, ExampleFiles.Read(file)).Single(b => b.Line == line).Text;
    }
}
