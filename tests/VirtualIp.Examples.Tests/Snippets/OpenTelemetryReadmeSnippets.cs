using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

namespace VirtualIp.Examples.Tests.Snippets;

/// <summary>The C# of src/VirtualIp.OpenTelemetry/README.md (and the ASP.NET Core sample's README), compiled here.</summary>
internal static class OpenTelemetryReadmeSnippets
{
    public static void Prometheus(IHostApplicationBuilder builder)
    {
        #region snippet
        builder.Services.AddOpenTelemetry()
            .WithMetrics(m => m
                .AddVirtualIpInstrumentation()
                .AddPrometheusExporter());
        #endregion
    }
}
