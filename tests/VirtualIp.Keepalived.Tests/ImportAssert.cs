using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VirtualIp.Hosting;

namespace VirtualIp.Keepalived.Tests;

/// <summary>Imports and loads the produced JSON through <c>AddVirtualIp(section)</c> and the start-up validation a host runs.</summary>
internal static class ImportAssert
{
    /// <summary>Imports <paramref name="text"/>; asserts it parsed and the JSON validates; returns both.</summary>
    public static (KeepalivedImportResult Result, VirtualIpOptions Options) Imports(string text, string? configId = null)
    {
        var result = KeepalivedImporter.Import(text, new KeepalivedImportOptions { ConfigId = configId });
        Assert.True(result.Succeeded, string.Join('\n', result.Errors));
        return (result, Load(result.Json!));
    }

    public static VirtualIpOptions Load(string json)
    {
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection();
        services.AddVirtualIp(configuration.GetSection("VirtualIp"));
        using var provider = services.BuildServiceProvider();
        try
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (OptionsValidationException ex)
        {
            Assert.Fail($"the imported JSON does not validate:\n{string.Join('\n', ex.Failures)}\n{json}");
        }

        return provider.GetRequiredService<IOptions<VirtualIpOptions>>().Value;
    }

    /// <summary>The unmapped directive on <paramref name="line"/> named <paramref name="directive"/>.</summary>
    public static KeepalivedDiagnostic Unmapped(KeepalivedImportResult result, int line, string directive) =>
        result.Unmapped.SingleOrDefault(u => u.Line == line && u.Directive == directive)
        ?? throw new Xunit.Sdk.XunitException($"no unmapped '{directive}' on line {line}; got:\n{string.Join('\n', result.Unmapped)}");
}
