using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace VirtualIp.Examples.Tests.Snippets;

/// <summary>The C# of samples/VirtualIp.AspNetCore/README.md, compiled here (the sample's Program.cs does the same).</summary>
internal static class AspNetCoreSampleSnippets
{
    public static WebApplication Endpoints(WebApplicationBuilder builder)
    {
        #region snippet
        var app = builder.Build();
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = r => !r.Tags.Contains("ready") });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint();                                     // GET /metrics
        #endregion
        return app;
    }
}
