using System.Text.Json;
using Microsoft.Extensions.Configuration;
using VirtualIp.Hosting;
using VirtualIp.Vrrp;

namespace VirtualIp.Fuzz.Targets;

/// <summary>
/// The configuration reader and validator on a JSON key/value tree (the <c>VirtualIp</c> section of an appsettings.json):
/// every input either loads (no error, and every router converts to its immutable configuration) or yields named
/// errors; any exception is a crash. Text that is not a JSON object is the JSON provider's documented
/// <see cref="FormatException"/> / <see cref="JsonException"/> and ends the run before our code. Input: the JSON text.
/// Seeds: the JSON examples of docs/ and samples/ and the keepalived importer's output for its sample configs.
/// </summary>
internal static class ConfigurationTarget
{
    public static void Run(ReadOnlySpan<byte> json)
    {
        IConfigurationRoot root;
        try
        {
            using var stream = new MemoryStream(json.ToArray(), writable: false);
            root = new ConfigurationBuilder().AddJsonStream(stream).Build();
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return;
        }

        var options = new VirtualIpOptions();
        VirtualIpConfigurationReader.Read(root.GetSection(VirtualIpOptions.SectionName), options);
        var errors = new List<string>(options.ReadErrors);
        errors.AddRange(VirtualIpOptionsValidator.Check(options));
        foreach (var error in errors)
        {
            if (string.IsNullOrWhiteSpace(error))
            {
                throw new InvalidOperationException("the configuration reader or validator returned a blank error");
            }
        }

        if (errors.Count == 0)
        {
            foreach (var router in options.Routers)
            {
                _ = VrrpRouterConfiguration.FromValidated(router);
            }
        }
    }
}
