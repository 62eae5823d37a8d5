using Microsoft.Extensions.Configuration;

namespace VirtualIp.Tests.Hosting.Runtime;

/// <summary>An in-memory configuration source whose whole content can be replaced, raising the reload token like a file source with reloadOnChange.</summary>
internal sealed class ReloadableConfiguration : ConfigurationProvider, IConfigurationSource
{
    public ReloadableConfiguration(IDictionary<string, string?> data) => Data = new Dictionary<string, string?>(data, StringComparer.OrdinalIgnoreCase);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    /// <summary>Replaces every value and raises the reload token (what a changed appsettings.json does).</summary>
    public void Replace(IDictionary<string, string?> data)
    {
        Data = new Dictionary<string, string?>(data, StringComparer.OrdinalIgnoreCase);
        OnReload();
    }
}
