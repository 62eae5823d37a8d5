using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace VirtualIp.Examples.Tests.Snippets;

/// <summary>The C# of src/VirtualIp.HealthChecks/README.md (and the ASP.NET Core sample's README), compiled here.</summary>
internal static class HealthChecksReadmeSnippets
{
    public static void LiveAndReady(IHostApplicationBuilder builder)
    {
        #region snippet
        builder.Services.AddHealthChecks()
            .AddVirtualIp()
            .AddVirtualIp("virtualip-master", o =>
            {
                o.RequireMaster = true;
                o.Tags.Add("ready");
            });
        #endregion
    }
}
